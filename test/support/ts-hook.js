/**
 * Lets a plain `node` child process run this repo's TypeScript sources with no build step:
 * `node -r ./test/support/ts-hook.js some-script.ts`. Each .ts file is transpiled on load
 * (typescript.transpileModule, no type check: jest and `tsc -p tsconfig.test.json` do that), and
 * `@protectimus-mail/*` resolve to the packages' src, as jest's moduleNameMapper does. Tests that
 * spawn real app processes use it so they work on a fresh clone, built or not.
 */
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..', '..');
const packages = {
  '@protectimus-mail/core': 'packages/core/src/index.ts',
  '@protectimus-mail/core/adapter': 'packages/core/src/adapter.ts',
  '@protectimus-mail/admin': 'packages/admin/src/index.ts',
  '@protectimus-mail/express': 'packages/express/src/index.ts',
  '@protectimus-mail/koa': 'packages/koa/src/index.ts',
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveMapped(request, ...rest) {
  const mapped = packages[request];
  return mapped ? path.join(root, mapped) : resolve.call(this, request, ...rest);
};

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
};

Module._extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
