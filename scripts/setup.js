#!/usr/bin/env node
// `npm start` and `npm test` must work on a fresh clone: install the workspace first when
// node_modules is missing or older than the lock file. npm scripts need no dependency to run this.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  console.log('protectimus-mail: installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

// The admin panel's browser files are built apart from `tsc -b` (see packages/admin/browser/build.js).
try {
  require('../packages/admin/browser/build.js').buildPanel();
} catch (err) {
  console.error(`protectimus-mail: ${err.message}`);
  process.exit(1);
}
