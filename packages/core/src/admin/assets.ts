import { createHash } from 'node:crypto';
import { PANEL_CSS } from './assets/panel-css';
import { PANEL_JS } from './assets/panel-js';

interface Asset {
  type: string;
  text: string;
  /** A short hash of the text, put in the URL so a cached copy is never stale. */
  version: string;
}

function asset(type: string, text: string): Asset {
  return { type, text, version: createHash('sha256').update(text).digest('base64url').slice(0, 12) };
}

// The panel's files are TypeScript modules holding their text, so `tsc` alone builds the package.
const ASSETS: Readonly<Record<string, Asset>> = {
  'panel.js': asset('text/javascript; charset=utf-8', PANEL_JS),
  'panel.css': asset('text/css; charset=utf-8', PANEL_CSS),
};

/** The versioned URL of one of the panel's files. */
export function assetUrl(mount: string, name: 'panel.js' | 'panel.css'): string {
  return `${mount}/assets/${name}?v=${ASSETS[name]?.version ?? ''}`;
}

/** One of the panel's files by name, or undefined; `version` is the `v` the URL asked for. */
export function findAsset(name: string): Asset | undefined {
  return Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
}
