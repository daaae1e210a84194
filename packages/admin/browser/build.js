#!/usr/bin/env node
/**
 * Builds the admin panel's browser files into the admin package's `dist/browser/`: `panel.js`,
 * the TypeScript here checked against the DOM and its parts joined in the order of tsconfig's
 * "files" inside one strict-mode function (so nothing leaks into the page's globals), and
 * `panel.css`. TypeScript's own single-file output (`outFile`, `module: none`) is deprecated, so
 * the parts are joined here. Nothing is done when the output is newer than every input, which
 * keeps it cheap to run before every test run and every start.
 *
 * `node build.js` from a shell; jest runs it as its global setup (tests run from source).
 */
const fs = require('node:fs');
const path = require('node:path');

const HERE = __dirname;
const OUT = path.join(HERE, '..', 'dist', 'browser');
const CONFIG = path.join(HERE, 'tsconfig.json');
const CSS = path.join(HERE, 'panel.css');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function writeAtomically(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/** Builds when an input changed (or always with `force`); throws with TypeScript's messages on an error. */
function buildPanel({ force = false } = {}) {
  const ts = require('typescript');
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } };
  const config = ts.getParsedCommandLineOfConfigFile(CONFIG, {}, host);
  const inputs = [...config.fileNames, CSS, CONFIG, path.join(HERE, 'build.js')];
  const outputs = [path.join(OUT, 'panel.js'), path.join(OUT, 'panel.css')];
  const newestInput = Math.max(...inputs.map(mtime));
  if (!force && outputs.every((file) => mtime(file) > newestInput)) return false;

  const options = { ...config.options, noEmit: false, declaration: false, sourceMap: false, outDir: undefined };
  const program = ts.createProgram({ rootNames: config.fileNames, options });
  const emitted = new Map();
  const result = program.emit(undefined, (file, text) => emitted.set(path.resolve(file), text));
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (config.errors.length > 0 || diagnostics.length > 0) {
    const text = ts.formatDiagnostics([...config.errors, ...diagnostics], { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' });
    throw new Error(`the admin panel's browser code does not compile:\n${text}`);
  }
  const parts = config.fileNames.map((file) => {
    const js = emitted.get(path.resolve(file.replace(/\.ts$/, '.js')));
    if (js === undefined) throw new Error(`no output for ${file}`);
    // Each part is a strict script; the function around them says it once for all.
    return js.replace(/^"use strict";\n/, '');
  });
  fs.mkdirSync(OUT, { recursive: true });
  writeAtomically(outputs[0], ['(function () {', "'use strict';", ...parts, '})();', ''].join('\n'));
  writeAtomically(outputs[1], fs.readFileSync(CSS, 'utf8'));
  return true;
}

module.exports = async function globalSetup() {
  buildPanel();
};
module.exports.buildPanel = buildPanel;

if (require.main === module) {
  try {
    const built = buildPanel({ force: process.argv.includes('--force') });
    console.log(built ? `admin panel built into ${path.relative(process.cwd(), OUT) || '.'}` : 'admin panel is up to date');
  } catch (err) {
    console.error(`protectimus-mail: ${err.message}`);
    process.exit(1);
  }
}
