interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';');
    const [type, subtype] = range.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim().toLowerCase());
      if (name === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The q the client gives a media type (most specific range wins, RFC 9110) and whether it was named. */
function quality(ranges: MediaRange[], type: string, subtype: string): { q: number; explicit: boolean } {
  let best: { q: number; specificity: number } | null = null;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (specificity < 0) continue;
    if (!best || specificity > best.specificity || (specificity === best.specificity && r.q > best.q)) {
      best = { q: r.q, specificity };
    }
  }
  return { q: best?.q ?? 0, explicit: best?.specificity === 2 };
}

/**
 * True when the client would rather have a page than JSON: text/html ranks higher, or ties with
 * html named and json reached only by a wildcard (as in a browser's Accept header). A missing
 * header, a bare wildcard and API clients get JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const html = quality(ranges, 'text', 'html');
  const json = quality(ranges, 'application', 'json');
  if (html.q <= 0) return false;
  if (html.q !== json.q) return html.q > json.q;
  return html.explicit && !json.explicit;
}

/**
 * True when the client names JSON and ranks it above HTML, or ties with HTML reached only by a
 * wildcard (axios's default: `application/json, text/plain` and a catch-all), so that a script
 * posting a form still gets JSON while a browser's form post gets a page.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const json = quality(ranges, 'application', 'json');
  const html = quality(ranges, 'text', 'html');
  if (!json.explicit || json.q <= 0) return false;
  return json.q > html.q || (json.q === html.q && !html.explicit);
}
