import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The panel's two files, built from `browser/` by its build.js into `dist/browser/`. */
const TYPES = {
  'panel.js': 'text/javascript; charset=utf-8',
  'panel.css': 'text/css; charset=utf-8',
} as const;

/** The name of one of the panel's files. */
export type AssetName = keyof typeof TYPES;

interface Asset {
  type: string;
  text: string;
  /** A short hash of the text, put in the URL so a cached copy is never stale. */
  version: string;
}

let loaded: Readonly<Record<AssetName, Asset>> | null = null;

/** The admin package's root: the nearest folder with a package.json, the same from `src/` and `dist/`. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`protectimus-mail: no package.json above ${__dirname}`);
  }
}

function read(dir: string, name: AssetName): Asset {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`protectimus-mail: the admin panel's ${name} is not built (${file} is missing); run "npm run build"`);
  }
  return { type: TYPES[name], text, version: createHash('sha256').update(text).digest('base64url').slice(0, 12) };
}

/**
 * The files, read once on first use and kept in memory: an app that does not mount the panel
 * never reads them, and a served file always matches the version its URL names.
 */
function assets(): Readonly<Record<AssetName, Asset>> {
  if (!loaded) {
    const dir = path.join(packageRoot(), 'dist', 'browser');
    loaded = { 'panel.js': read(dir, 'panel.js'), 'panel.css': read(dir, 'panel.css') };
  }
  return loaded;
}

/** The versioned URL of one of the panel's files. */
export function assetUrl(mount: string, name: AssetName): string {
  return `${mount}/assets/${name}?v=${assets()[name].version}`;
}

/** One of the panel's files by name, or undefined; `version` is the `v` the URL asked for. */
export function findAsset(name: string): Asset | undefined {
  return Object.hasOwn(TYPES, name) ? assets()[name as AssetName] : undefined;
}
