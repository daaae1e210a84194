/**
 * The public face of `@protectimus-mail/admin`: every name `index.ts` exports is described in the
 * package's README (or the root one), and the package is built on core's public API only: it
 * imports `@protectimus-mail/core` and `@protectimus-mail/core/adapter`, nothing else of core.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(ROOT, 'packages', 'admin', 'src');

/** The names a module exports, values and types, as the compiler sees them. */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) throw new Error(`no module symbol for ${file}`);
  return checker.getExportsOfModule(symbol).map((s) => s.getName());
}

/** Every module specifier a source file imports or re-exports. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  return source.statements
    .filter((s): s is ts.ImportDeclaration | ts.ExportDeclaration => ts.isImportDeclaration(s) || ts.isExportDeclaration(s))
    .map((s) => s.moduleSpecifier)
    .filter((m): m is ts.StringLiteral => m !== undefined && ts.isStringLiteral(m))
    .map((m) => m.text);
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/\$/g, '\\$')}($|[^A-Za-z0-9_$])`).test(text);
}

describe('the public face of @protectimus-mail/admin', () => {
  const main = exportedNames(join(SRC, 'index.ts'));
  const docs = [join(ROOT, 'packages', 'admin', 'README.md'), join(ROOT, 'README.md')].map((path) => readFileSync(path, 'utf8'));

  it('exports a curated list, not whole modules', () => {
    expect(readFileSync(join(SRC, 'index.ts'), 'utf8')).not.toMatch(/export\s*\*/);
    expect(main).toEqual(expect.arrayContaining(['adminRunner', 'handleAdmin', 'CommonAdminOptions', 'AdminBinding', 'AdminRequest', 'AdminHeaders', 'AdminOptions']));
  });

  it('has every name index.ts exports mentioned in a README', () => {
    const unmentioned = main.filter((name) => !docs.some((doc) => mentions(doc, name)));
    expect(unmentioned).toEqual([]);
    expect(docs.some((doc) => mentions(doc, 'noSuchExportAnywhere'))).toBe(false);
  });

  it('uses core through its public entry points only', () => {
    const allowed = (spec: string) =>
      spec === '@protectimus-mail/core' || spec === '@protectimus-mail/core/adapter' || spec === 'csv-parse/sync' || spec.startsWith('node:') || /^\.\/[\w-]+$/.test(spec);
    const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    const outside = files.flatMap((f) => importsOf(join(SRC, f)).filter((spec) => !allowed(spec)).map((spec) => `${f}: ${spec}`));
    expect(outside).toEqual([]);
  });
});
