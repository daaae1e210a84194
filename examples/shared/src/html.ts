import { escapeHtml } from '@protectimus-mail/core';

/**
 * HTML built by a tagged template that escapes every interpolated value (with core's
 * `escapeHtml`) unless it is already `SafeHtml`, so a page cannot forget to escape something it
 * shows: escaping is the default and raw markup needs a deliberate `html` wrapper.
 */
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

/** `html`<p>${text}</p>``: the literal parts are trusted markup, the values are escaped. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
