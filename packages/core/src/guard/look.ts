import { createHash } from 'node:crypto';
import { PAGE_CSP } from '../web/answer';
import type { Locale } from '../locale';
import { html, pageShell, PAGE_STYLE, SafeHtml } from '../web/html';
import type { PageLayout, PageOptions } from './pages';

// The app's look of the guard's pages (docs/design.md, "The guard's pages in the app's look"): the
// `page` option checked once when the guard is created, its stylesheet and CSP computed then, and
// every page of the guard drawn through it.

/** The `page` option as checked and computed once per guard: what every page of the guard is drawn with. */
export interface PageLook {
  /** The pages' Content-Security-Policy: the stylesheet's hash, the app's `styleSrc`, the logo's origin. */
  readonly csp: string;
  /** The stylesheet in the page's `<style>`, whose hash `csp` allows. */
  readonly css: string;
  /** The brand above the content, or empty. */
  readonly brand: SafeHtml;
  /** Where the way out under the content goes: "Cancel" to `cancelUrl`, else "Back to the site" to `/`. */
  readonly cancelUrl: string | null;
  /** The app's sign-out route, linked as "Sign out", or null. */
  readonly signOutUrl: string | null;
  readonly layout: PageLayout<unknown> | null;
  /** The request the layout is given (`forRequest`). */
  readonly request?: unknown;
}

/** The look for one request: the layout is handed the framework's request. */
export function forRequest(look: PageLook, request: unknown): PageLook {
  return look.layout === null || request === undefined ? look : { ...look, request };
}

/** Thrown when the app's `page.layout` throws or returns something other than a string: answered 503, closed. */
export class PageLayoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PageLayoutError';
  }
}

// Inside an app's layout the guard styles only its own content, and with zero specificity
// (`:where`), so the app's stylesheet, linked after `head`, wins wherever it says otherwise: the
// page takes the site's fonts and colours, the form keeps its touch-sized field and buttons.
const LAYOUT_STYLE = `
:where(.pm-guard){display:block;max-width:32rem}
:where(.pm-guard) *{box-sizing:border-box}
:where(.pm-guard) label{display:block;font-weight:600;margin-bottom:.375rem}
:where(.pm-guard) input{display:block;width:100%;min-height:3rem;padding:.5rem .75rem;font-size:1.5rem;letter-spacing:.15em;border:2px solid #6b7280;border-radius:.5rem;font-family:ui-monospace,Menlo,Consolas,monospace}
:where(.pm-guard) button{min-height:3rem;width:100%;padding:.5rem 1rem;font-size:1.0625rem;font-weight:600;border-radius:.5rem;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
:where(.pm-guard) .secondary{background:#fff;color:#1d4ed8}
:where(.pm-guard) input:focus-visible,:where(.pm-guard) button:focus-visible,:where(.pm-guard) a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
:where(.pm-guard) .alert{padding:.75rem 1rem;border-radius:.5rem;background:#fdecea;color:#7f1d1d;border:1px solid #f5c2c0}
:where(.pm-guard) .notice{padding:.75rem 1rem;border-radius:.5rem;background:#e7f5ec;color:#14532d;border:1px solid #b7e1c5}
:where(.pm-guard) .field{margin-bottom:1rem}
:where(.pm-guard) .check{display:flex;align-items:center;gap:.625rem;margin-bottom:1rem}
:where(.pm-guard) .check input{width:1.5rem;height:1.5rem;min-height:1.5rem;margin:0;flex:none}
:where(.pm-guard) .check label{margin:0;font-weight:400}
:where(.pm-guard) .forget{margin-top:1rem}
:where(.pm-guard) .resend{margin-top:1.5rem;padding-top:1rem;border-top:1px solid #e5e7eb}
:where(.pm-guard) .muted{color:#4b5563;font-size:.95rem}
:where(.pm-guard) button:disabled{border-color:#9ca3af;background:#fff;color:#4b5563;cursor:not-allowed}
:where(.pm-guard) .back{margin:1.5rem 0 0}
:where(.pm-guard) .back a+a,:where(.pm-guard) .brand a+a{margin-left:1.5rem}
:where(.pm-guard) .brand{display:flex;align-items:center;gap:.75rem;font-weight:700;font-size:1.25rem;margin:0 0 1rem}
:where(.pm-guard) .brand img{max-height:2.5rem;width:auto}
`;

// The brand header of the guard's own shell, and the gap between two links.
const SHELL_EXTRA = `
.brand{display:flex;align-items:center;gap:.75rem;max-width:28rem;margin:2rem auto 0;padding:0 1.5rem;font-weight:700;font-size:1.25rem}
.brand img{max-height:2.5rem;width:auto}
.brand+main{margin-top:1rem}
.back a+a{margin-left:1.5rem}
@media (max-width:30rem){.brand{margin:0;padding:1rem 1.5rem 0}.brand+main{margin-top:0}}
`;

// The CSS named colours (CSS Color 4), lower case: an accent is one of these or #rgb / #rrggbb.
const NAMED_COLOURS = new Set(
  (
    'aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown burlywood cadetblue ' +
    'chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey ' +
    'darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue darkslategray ' +
    'darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen ' +
    'fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki ' +
    'lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen ' +
    'lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime ' +
    'limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue ' +
    'mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive ' +
    'olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum ' +
    'powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver ' +
    'skyblue slateblue slategray slategrey snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white ' +
    'whitesmoke yellow yellowgreen'
  ).split(' '),
);

function invalid(message: string): TypeError {
  return new TypeError(`protectimusMail: page.${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keeps only the fields named, refusing any other (a typo must not pass silently). */
function known(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const other = Object.keys(value).find((key) => !allowed.includes(key));
  if (other !== undefined) throw new TypeError(`protectimusMail: ${what}: unknown option "${other}" (known: ${allowed.join(', ')})`);
}

/** An accent colour: `#rgb`, `#rrggbb` or a CSS named colour, lower-cased; else a clear error. */
export function accentColour(value: unknown): string {
  if (typeof value !== 'string') throw invalid('brand.accent must be a string: #rgb, #rrggbb or a CSS colour name');
  const colour = value.trim().toLowerCase();
  if (/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/.test(colour) || NAMED_COLOURS.has(colour)) return colour;
  throw invalid(`brand.accent must be #rgb, #rrggbb or a CSS colour name, not ${JSON.stringify(value).slice(0, 60)}`);
}

/**
 * A link target the app names (`cancelUrl`, `signOutUrl`, `brand.logoUrl`): a path on this site
 * starting with one `/` (not `//` nor `/\`, which browsers read as another host), or an absolute
 * `http:`/`https:` URL. Nothing else: no `javascript:`, `data:` or relative path. These come from
 * the app's code, never from a request, so no visitor can point them anywhere.
 */
export function siteLink(value: unknown, what: string): string {
  const bad = (): TypeError => invalid(`${what} must be a path starting with one "/" or an absolute http(s) URL`);
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) throw bad();
  // No whitespace, control characters, quotes or angle brackets: such a URL is a mistake or a trick.
  // eslint-disable-next-line no-control-regex -- control characters are what it must find
  if (/[\s\u0000-\u001f\u007f"'<>`\\]/.test(value)) throw bad();
  if (value.startsWith('/')) {
    if (value.startsWith('//')) throw bad();
    return value;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') throw bad();
  return value;
}

/**
 * One source `page.styleSrc` adds to the CSP's `style-src`: `'self'`, or an absolute http(s) URL
 * or origin (`https://cdn.example.com`, `https://example.com/site.css`). Never a wildcard, a
 * quoted keyword such as `'unsafe-inline'`, or anything that could end the directive.
 */
export function styleSource(value: unknown): string {
  const bad = (): TypeError =>
    invalid(`styleSrc entries must be "'self'" or absolute http(s) URLs without * ' " ; , or spaces, not ${JSON.stringify(value)?.slice(0, 80) ?? String(value)}`);
  if (value === "'self'") return value;
  // eslint-disable-next-line no-control-regex -- control characters are what it must find
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048 || /[\s\u0000-\u001f\u007f*'";,<>`\\]/.test(value)) throw bad();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.hash !== '' || url.search !== '') throw bad();
  return value;
}

/** What the logo needs in `img-src`: `'self'` for a path on this site, else the URL's origin. */
function imageSource(logoUrl: string): string {
  return logoUrl.startsWith('/') ? "'self'" : new URL(logoUrl).origin;
}

function hashOf(css: string): string {
  return createHash('sha256').update(css).digest('base64');
}

function accentCss(accent: string, scope: string): string {
  return (
    `\n${scope}button{border-color:${accent};background:${accent}}` +
    `\n${scope}.secondary{background:#fff;color:${accent}}` +
    `\n${scope}a{color:${accent}}\n`
  );
}

/** The look of pages without a `page` option: the guard's own shell, today's CSP. */
export const DEFAULT_LOOK: PageLook = {
  csp: PAGE_CSP,
  css: PAGE_STYLE,
  brand: new SafeHtml(''),
  cancelUrl: null,
  signOutUrl: null,
  layout: null,
};

/**
 * Checks the guard's `page` option and computes what its pages are drawn with, once, when the
 * guard is created: a mistake throws a `TypeError` naming the option, never a 500 later.
 */
export function pageLook(options: PageOptions<never> | undefined): PageLook {
  if (options === undefined) return DEFAULT_LOOK;
  if (!isRecord(options)) throw invalid('page must be an object');
  known(options, ['brand', 'cancelUrl', 'signOutUrl', 'layout', 'styleSrc', 'locale'], 'page');

  let brandName: string | null = null;
  let logoUrl: string | null = null;
  let accent: string | null = null;
  if (options.brand !== undefined) {
    const brand: unknown = options.brand;
    if (!isRecord(brand)) throw invalid('brand must be an object { name?, logoUrl?, accent? }');
    known(brand, ['name', 'logoUrl', 'accent'], 'page.brand');
    if (brand.name !== undefined) {
      if (typeof brand.name !== 'string' || brand.name.trim() === '' || brand.name.length > 100) throw invalid('brand.name must be a string of 1 to 100 characters');
      brandName = brand.name.trim();
    }
    if (brand.logoUrl !== undefined) {
      logoUrl = siteLink(brand.logoUrl, 'brand.logoUrl');
      if (brandName === null) throw invalid('brand.logoUrl needs brand.name: it is the logo\'s text for those who cannot see it');
    }
    if (brand.accent !== undefined) accent = accentColour(brand.accent);
  }
  const cancelUrl = options.cancelUrl === undefined ? null : siteLink(options.cancelUrl, 'cancelUrl');
  const signOutUrl = options.signOutUrl === undefined ? null : siteLink(options.signOutUrl, 'signOutUrl');
  if (options.layout !== undefined && typeof options.layout !== 'function') throw invalid('layout must be a function (parts) => string');
  const layout = (options.layout as PageLayout<unknown> | undefined) ?? null;
  if (options.styleSrc !== undefined && !Array.isArray(options.styleSrc)) throw invalid('styleSrc must be an array of sources');
  const styleSrc = (options.styleSrc ?? []).map(styleSource);

  const scope = layout ? ':where(.pm-guard) ' : '';
  const css = (layout ? LAYOUT_STYLE : PAGE_STYLE + SHELL_EXTRA) + (accent ? accentCss(accent, scope) : '');
  const imgSrc = ['data:', ...(logoUrl ? [imageSource(logoUrl)] : [])];
  const csp = [
    "default-src 'none'",
    [`style-src 'sha256-${hashOf(css)}'`, ...new Set(styleSrc)].join(' '),
    `img-src ${[...new Set(imgSrc)].join(' ')}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');

  // The logo stands for the name (its alt text); without a logo the name is written out.
  const brandInner = brandName === null ? null : logoUrl ? html`<img src="${logoUrl}" alt="${brandName}">` : html`<span>${brandName}</span>`;
  const brand = brandInner === null ? new SafeHtml('') : layout ? html`<p class="brand">${brandInner}</p>` : html`<header class="brand">${brandInner}</header>`;
  return { csp, css, brand, cancelUrl, signOutUrl, layout };
}

/** The ways out under every page's content, in its language: "Back to the site" (or "Cancel") and "Sign out". */
function linksOf(look: PageLook, { messages: t }: Locale): SafeHtml {
  const back = html`<a href="${look.cancelUrl ?? '/'}">${look.cancelUrl ? t.cancel : t.backToSite}</a>`;
  const signOut = look.signOutUrl ? html`<a href="${look.signOutUrl}">${t.signOut}</a>` : null;
  return html`<p class="back">${back}${signOut}</p>`;
}

/**
 * A whole page of the guard in the look: the guard's own shell (brand header, `<main>` card), or
 * the app's `layout` around the content. The content comes escaped; what the layout adds is the
 * app's to escape. A layout that throws or returns no string is a `PageLayoutError`.
 */
export function lookPage(look: PageLook, title: string, content: SafeHtml, locale: Locale): string {
  const style = new SafeHtml(`<style>${look.css}</style>`);
  const main = html`${content}\n${linksOf(look, locale)}`;
  if (look.layout === null) {
    return pageShell({ title, lang: locale.tag, head: style, body: html`${look.brand}${look.brand.value ? '\n' : ''}<main>${main}</main>` });
  }
  let out: unknown;
  try {
    out = look.layout(
      {
        title,
        lang: locale.tag,
        head: html`<meta name="robots" content="noindex">\n${style}`,
        main: html`<div class="pm-guard">${look.brand}${main}</div>`,
      },
      look.request,
    );
  } catch (err) {
    throw new PageLayoutError('protectimusMail: page.layout threw', { cause: err });
  }
  if (out instanceof SafeHtml) return out.value;
  if (typeof out !== 'string') throw new PageLayoutError(`protectimusMail: page.layout must return a string, not ${out === null ? 'null' : typeof out}`);
  return out;
}
