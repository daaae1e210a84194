import { createHash } from 'node:crypto';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Makes any value safe as HTML text or as a quoted attribute value. Quotes and the backtick are
 * escaped too, so the result may go inside either kind of attribute quote.
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Markup that is already safe: `html` puts it in as is, where any other value is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  // Lets a template say `${cond && html`...`}` or leave out an optional part.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/**
 * HTML by a tagged template: `html`<p>${text}</p>``. The literal parts are trusted markup, every
 * value is escaped unless it is `SafeHtml` (another `html` result), so a page cannot forget to
 * escape something it shows. Arrays are joined; `null`, `undefined` and `false` leave nothing.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

// The guard's pages (and every message page) use one fixed stylesheet, allowed by its hash: they
// need no script, no inline style attribute and nothing from another origin, so their CSP
// (`PAGE_CSP`) can forbid all of them.
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
.check{display:flex;align-items:center;gap:.625rem;margin-bottom:1rem}.check input{width:1.5rem;height:1.5rem;min-height:1.5rem;margin:0;flex:none}.check label{margin:0;font-weight:400}
.forget{margin-top:1rem}
.resend{margin-top:1.5rem;padding-top:1rem;border-top:1px solid #e5e7eb}
.muted{color:#4b5563;font-size:.95rem}
button:disabled{border-color:#9ca3af;color:#4b5563;cursor:not-allowed}
a{color:#1d4ed8}
a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.back{margin:1.5rem 0 0}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;min-height:100vh}}
`;

/** The guard pages' own stylesheet (a guard's `page` option adds to it, with its own hash). */
export const PAGE_STYLE = STYLE;

/** The base64 SHA-256 of the guard pages' stylesheet, for their CSP. */
export const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** What a page puts in the shell; every part but `title` is markup the caller already made safe. */
export interface ShellParts {
  title: string;
  /** The page's language, a BCP 47 tag (docs/design.md, "Languages"). Default `en`. */
  lang?: string;
  /** After the `<title>`: the stylesheet, or links to the page's files. */
  head: SafeHtml;
  /** Attributes of `<body>`, with their leading space; empty for none. */
  bodyAttributes?: SafeHtml;
  /** The lines of `<body>`. */
  body: SafeHtml;
}

/**
 * The one page shell of the guard's pages and the admin panel: doctype, language, charset,
 * viewport, `noindex`, an empty icon, the escaped title, then what the page puts in the head and the body.
 */
export function pageShell(parts: ShellParts): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(parts.lang ?? 'en')}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    // An empty icon: without one, every page makes a browser ask for /favicon.ico, which the app
    // may not have (a 404 in every log). Both CSPs allow `img-src data:` for it.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(parts.title)}</title>`,
    parts.head.value,
    '</head>',
    `<body${parts.bodyAttributes?.value ?? ''}>`,
    parts.body.value,
    '</body>',
    '</html>',
  ].join('\n');
}

/**
 * A page of the guard (or a message page of the admin router) around `main`, with the fixed
 * stylesheet, in the language `lang` (a BCP 47 tag, default `en`).
 */
export function plainPage(title: string, main: SafeHtml, lang = 'en'): string {
  return pageShell({ title, lang, head: new SafeHtml(`<style>${STYLE}</style>`), body: html`<main>${main}</main>` });
}
