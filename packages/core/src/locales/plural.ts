// Plural forms, in a file of their own so the locales' data can use them without importing the
// catalogue that imports them.

/** The forms of a counted sentence, by `Intl.PluralRules` category; `{n}` is the number, `other` is required. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/**
 * The form of `forms` that `Intl.PluralRules` picks for `n` in `tag`, `{n}` written as the locale
 * writes numbers: `plural('uk', 3, { one: '{n} спроба', few: '{n} спроби', many: '{n} спроб', other: '{n} спроби' })`.
 */
export function plural(tag: string, n: number, forms: PluralForms): string {
  const form = forms[new Intl.PluralRules(tag).select(n)] ?? forms.other;
  return form.split('{n}').join(new Intl.NumberFormat(tag).format(n));
}
