/**
 * The public face of `@protectimus-mail/core`: every name `index.ts` exports is one an app uses,
 * so a README says what it is; a name no README mentions is either undocumented or does not belong
 * there (binding-only names go to `@protectimus-mail/core/adapter`).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(ROOT, 'packages', 'core', 'src');

/** The names a module exports, values and types, as the compiler sees them. */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) throw new Error(`no module symbol for ${file}`);
  return checker.getExportsOfModule(symbol).map((s) => s.getName());
}

function readmes(): { path: string; text: string }[] {
  const paths = [join(ROOT, 'README.md')];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const readme = join(ROOT, 'packages', pkg, 'README.md');
    if (existsSync(readme)) paths.push(readme);
  }
  return paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/\$/g, '\\$')}($|[^A-Za-z0-9_$])`).test(text);
}

describe('the public face of @protectimus-mail/core', () => {
  const main = exportedNames(join(SRC, 'index.ts'));
  const adapter = exportedNames(join(SRC, 'adapter.ts'));
  const docs = readmes();

  it('exports a curated list, not whole modules', () => {
    for (const file of ['index.ts', 'adapter.ts']) {
      expect(readFileSync(join(SRC, file), 'utf8')).not.toMatch(/export\s*\*/);
    }
    expect(main.length).toBeGreaterThan(10);
  });

  it('has every name index.ts exports mentioned in a README', () => {
    const unmentioned = main.filter((name) => !docs.some((doc) => mentions(doc.text, name)));
    expect(unmentioned).toEqual([]);
  });

  it('keeps binding-only names behind the adapter subpath', () => {
    const bindingOnly = ['guardRunner', 'handleGuard', 'applyGrant', 'carrySession', 'readBody', 'failureOf', 'reportGuardError', 'unavailableResponse', 'PAGE_CSP', 'SESSION_KEY'];
    for (const name of bindingOnly) {
      expect(main).not.toContain(name);
      expect(adapter).toContain(name);
    }
  });

  it('leaves the admin router to @protectimus-mail/admin', () => {
    for (const name of ['adminRunner', 'handleAdmin']) {
      expect(main).not.toContain(name);
      expect(adapter).not.toContain(name);
    }
  });

  it('notices a name no README mentions', () => {
    expect(docs.some((doc) => mentions(doc.text, 'noSuchExportAnywhere'))).toBe(false);
    expect(docs.some((doc) => mentions(doc.text, 'createProtectimus'))).toBe(true);
  });
});
