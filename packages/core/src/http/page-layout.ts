import { createHash } from 'node:crypto';
import { escapeHtml } from '../html/escape';

// One fixed stylesheet, allowed by its hash: the pages need no script, no inline style attribute
// and nothing from another origin, so the CSP can forbid all of them.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1f;background:#f3f4f6}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin:0 0 1rem}
p{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.375rem}
input{display:block;width:100%;min-height:3rem;padding:.5rem .75rem;font-size:1.5rem;letter-spacing:.15em;border:2px solid #6b7280;border-radius:.5rem;font-family:ui-monospace,Menlo,Consolas,monospace}
button{min-height:3rem;width:100%;padding:.5rem 1rem;font-size:1.0625rem;font-weight:600;border-radius:.5rem;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
.secondary{background:#fff;color:#1d4ed8}
input:focus-visible,button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.alert{padding:.75rem 1rem;border-radius:.5rem;background:#fdecea;color:#7f1d1d;border:1px solid #f5c2c0}
.notice{padding:.75rem 1rem;border-radius:.5rem;background:#e7f5ec;color:#14532d;border:1px solid #b7e1c5}
.field{margin-bottom:1rem}
.resend{margin-top:1.5rem;padding-top:1rem;border-top:1px solid #e5e7eb}
.muted{color:#4b5563;font-size:.95rem}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;min-height:100vh}}
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** The Content-Security-Policy of the guard's pages: no script at all, only the one stylesheet. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** A full page around `mainHtml`, which the caller has already escaped. */
export function pageLayout(title: string, mainHtml: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<main>${mainHtml}</main>`,
    '</body>',
    '</html>',
  ].join('\n');
}
