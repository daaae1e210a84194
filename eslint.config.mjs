import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The browser's globals as TypeScript's DOM library declares them (no `globals` package needed).
const domLib = readFileSync(createRequire(import.meta.url).resolve('typescript/lib/lib.dom.d.ts'), 'utf8');
const browserGlobals = Object.fromEntries([...domLib.matchAll(/^declare (?:var|function) (\w+)/gm)].map((m) => [m[1], 'readonly']));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The admin panel's browser code: script files sharing one scope, so one file's top-level
    // names are used in the others (tsc checks that each exists); unused locals still fail.
    files: ['packages/admin/browser/**/*.ts'],
    languageOptions: { sourceType: 'script', globals: browserGlobals },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { vars: 'local', argsIgnorePattern: '^_' }] },
  },
);
