// Plural forms, in a file of their own so the locales' data can use them without importing the
// catalogue that imports them.

/** The forms of a counted sentence, by `Intl.PluralRules` category; `{n}` is the number, `other` is required. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/**
 * The form of `forms` that `Intl.PluralRules` picks for `n` in `tag`, `{n}` written as the locale
 * writes numbers: `plural('uk', 3, { one: '{n} спроба', few: '{n} спроби', many: '{n} спроб', other: '{n} спроби' })`.
 */
export function plural(tag: string, n: number, forms: PluralForms): string {
  let rules = kept.get(tag);
  if (rules === undefined) {
    rules = { plural: new Intl.PluralRules(tag), number: new Intl.NumberFormat(tag) };
    // An app's own `plural` calls may name any tag; keep a bounded few.
    if (kept.size >= 100) kept.clear();
    kept.set(tag, rules);
  }
  const form = forms[rules.plural.select(n)] ?? forms.other;
  return form.split('{n}').join(rules.number.format(n));
}

// Intl's rules are costly to make and cheap to use: one pair per locale, kept.
const kept = new Map<string, { plural: Intl.PluralRules; number: Intl.NumberFormat }>();
