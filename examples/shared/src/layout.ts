import type { SiteUser } from './accounts';
import { ADMIN_PATH, isAdmin } from './admin';
import { html, type LayoutParts, type PageOptions, type SafeHtml } from '@protectimus-mail/core';

/** Served at `STYLESHEET_PATH`: a file, not an inline block, so the CSP can stay `style-src 'self'`. */
export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1f;background:#f3f4f6}
a{color:#1d4ed8}
header{background:#111827;color:#f9fafb}
header nav{max-width:44rem;margin:0 auto;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center}
header a{color:#f9fafb;text-decoration:none}
header a:hover{text-decoration:underline}
header .brand{font-weight:700;margin-right:auto}
header form{margin:0}
header button{min-height:auto;width:auto;padding:.25rem .75rem;font-size:.95rem;background:transparent;border-color:#9ca3af;color:#f9fafb}
main{max-width:44rem;margin:1.5rem auto;padding:1.5rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
main.narrow{max-width:28rem}
h1{font-size:1.6rem;margin:0 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
p,ul,ol,dl{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.375rem}
input{display:block;width:100%;min-height:3rem;padding:.5rem .75rem;font-size:1.125rem;border:2px solid #6b7280;border-radius:.5rem}
button{min-height:3rem;width:100%;padding:.5rem 1rem;font-size:1.0625rem;font-weight:600;border-radius:.5rem;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.field{margin-bottom:1rem}
.alert{padding:.75rem 1rem;border-radius:.5rem;background:#fdecea;color:#7f1d1d;border:1px solid #f5c2c0}
.warning{padding:.75rem 1rem;border-radius:.5rem;background:#fff7e6;color:#713f12;border:1px solid #f5d9a8}
.muted{color:#4b5563;font-size:.95rem}
.button{display:inline-block;padding:.6rem 1.2rem;border-radius:.5rem;background:#1d4ed8;color:#fff;font-weight:600;text-decoration:none}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{width:40%;color:#374151}
code,kbd{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em;background:#f3f4f6;padding:.05rem .3rem;border-radius:.25rem}
.mail{border:1px solid #e5e7eb;border-radius:.5rem;padding:1rem;margin-bottom:1rem}
.mail h2{margin:0 0 .25rem;font-size:1.05rem}
.mail pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;padding:.75rem;border-radius:.375rem;margin:.5rem 0 0;font-size:.95rem}
footer{max-width:44rem;margin:0 auto 2rem;padding:0 1rem;color:#4b5563;font-size:.9rem}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none}footer{margin:1rem auto}}
`;

export const STYLESHEET_PATH = '/assets/site.css';

/**
 * The site's Content-Security-Policy: no script at all, styles only from the site's own file,
 * forms only to itself, no framing. The guard's pages send their own, equally strict one.
 */
export const SITE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers for the stylesheet: it changes only with a new version of the site. */
export const STYLESHEET_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/css; charset=utf-8',
  'Cache-Control': 'public, max-age=3600',
};

/**
 * Headers for every answer of the site, set before anything else answers. The guard's pages
 * replace the CSP with their own (just as strict), since they carry their own stylesheet; so do
 * the admin panel's pages under `/admin`, whose CSP allows their own script (`script-src 'self'`:
 * `/admin/assets/panel.js`), which this one, with no script at all, would block.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': SITE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // Pages show who is signed in and, in dev mode, mailed codes: no cache may keep them.
  'Cache-Control': 'no-store',
};

/** What every page's header needs to know. */
export interface PageContext {
  user: SiteUser | null;
  /** The site's CSRF token, for the sign-out button. */
  csrf: string;
  /** Whether `/dev/inbox` exists (dev mode). */
  devInbox: boolean;
}

function nav(ctx: PageContext): SafeHtml {
  return html`<nav aria-label="Site">
<a class="brand" href="/">Example Co.</a>
<a href="/account">Account</a>
${isAdmin(ctx.user) && html`<a href="${ADMIN_PATH}">Admin</a>`}
${ctx.devInbox && html`<a href="/dev/inbox">Dev inbox</a>`}
${
  ctx.user
    ? html`<form method="post" action="/sign-out"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">Sign out ${ctx.user.login}</button></form>`
    : html`<a href="/sign-in">Sign in</a>`
}
</nav>`;
}

/** How a document is made: its language, what goes in `<head>` before the stylesheet, a narrow `<main>`. */
interface DocumentOptions {
  narrow?: boolean;
  lang?: string;
  head?: SafeHtml;
}

/** The site's one document: header, `<main>` around `body` (already escaped), footer. */
function siteDocument(title: string, ctx: PageContext, body: SafeHtml, options: DocumentOptions): string {
  return html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title} · Example Co.</title>
${options.head}
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header>${nav(ctx)}</header>
<main${options.narrow ? html` class="narrow"` : ''}>
${body}
</main>
<footer><p>Example Co. · a protectimus-mail demo</p></footer>
</body>
</html>
`.value;
}

/** A whole page around `body`, which the `html` tag has already escaped. */
export function layout(title: string, ctx: PageContext, body: SafeHtml, options: { narrow?: boolean } = {}): string {
  return siteDocument(title, ctx, body, options);
}

/**
 * The guard's `page` option for a site: its pages inside the site's own document (header with the
 * signed-in user and the sign-out button, footer), the guard's style first and the site's
 * stylesheet after it, so the site's rules win; the stylesheet is a file on this origin, which
 * `styleSrc: ["'self'"]` lets the guard's CSP load. `contextOf` reads the header's facts from the
 * framework's request (`req`, `ctx`).
 */
export function guardPageOptions<R>(contextOf: (request: R) => PageContext): PageOptions<R> {
  return {
    styleSrc: ["'self'"],
    layout: (parts: LayoutParts, request: R) => siteDocument(parts.title, contextOf(request), parts.main, { narrow: true, lang: parts.lang, head: parts.head }),
  };
}
