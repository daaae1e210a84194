import { escapeHtml } from '../web/html';

/** A dialog with its title and close button; `bodyHtml` is already escaped. */
export function dialog(id: string, title: string, bodyHtml: string): string {
  return [
    `<dialog id="${id}" class="dlg" aria-labelledby="${id}-title">`,
    '<div class="dlg-head">',
    `<h2 id="${id}-title">${escapeHtml(title)}</h2>`,
    '<button type="button" class="icon" data-close aria-label="Close">&times;</button>',
    '</div>',
    bodyHtml,
    '</dialog>',
  ].join('\n');
}

/** A form's error line (filled from the API's `message`) and its buttons. */
export function formEnd(submitLabel: string, secondaryHtml = '<button type="button" class="secondary" data-close>Cancel</button>', submitClass = 'primary'): string {
  return [
    '<p class="form-error" role="alert" hidden></p>',
    `<div class="actions"><button type="submit" class="${submitClass}">${escapeHtml(submitLabel)}</button>${secondaryHtml}</div>`,
  ].join('\n');
}

/** A labelled text input. */
export function textField(id: string, name: string, label: string, attrs = '', hint = ''): string {
  const described = hint ? ` aria-describedby="${id}-hint"` : '';
  return [
    '<div class="field">',
    `<label for="${id}">${escapeHtml(label)}</label>`,
    hint ? `<p class="hint" id="${id}-hint">${escapeHtml(hint)}</p>` : '',
    `<input id="${id}" name="${name}" ${attrs}${described}>`,
    '</div>',
  ].join('');
}

/** A group of radio buttons; the first is checked. */
export function radios(name: string, legend: string, options: readonly [value: string, label: string][], extraClass = ''): string {
  const items = options
    .map(([value, label], i) => `<label class="choice"><input type="radio" name="${name}" value="${escapeHtml(value)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(label)}</label>`)
    .join('');
  return `<fieldset class="field ${extraClass}"><legend>${escapeHtml(legend)}</legend><div class="choices-row">${items}</div></fieldset>`;
}

/**
 * The fields of the "Protectimus MAIL" form, as the seed names them: Token Name, Email Address,
 * One-time Password Length (6 or 8), and an optional PIN typed before or after the OTP.
 */
export function mailTokenFields(prefix: string): string {
  return [
    textField(`${prefix}-name`, 'name', 'Token Name', 'type="text" required maxlength="50" autocomplete="off" spellcheck="false"'),
    textField(`${prefix}-email`, 'email', 'Email Address', 'type="email" required maxlength="254" autocomplete="off" spellcheck="false"', 'Where the user receives the one-time passwords.'),
    radios('otpLength', 'One-time Password Length', [
      ['6', '6 digits'],
      ['8', '8 digits'],
    ]),
    '<div class="field"><label class="choice"><input type="checkbox" name="usePin" data-toggle="pin"> Use a PIN code with this token</label></div>',
    '<div class="pin-fields" data-when="pin" hidden>',
    textField(
      `${prefix}-pin`,
      'pin',
      'PIN',
      'type="text" minlength="4" maxlength="12" pattern="[A-Za-z0-9]{4,12}" autocomplete="off" spellcheck="false" autocapitalize="off" data-required',
      '4 to 12 letters or digits. The user types it together with the one-time password, with nothing between them.',
    ),
    radios('pinPosition', 'Where the PIN goes', [
      ['before', 'PIN before the OTP'],
      ['after', 'PIN after the OTP'],
    ]),
    '</div>',
  ].join('\n');
}

/** Block for a while or until unblocked; shared by the Tokens and Users pages. */
export function blockDialog(): string {
  return dialog(
    'dlg-block',
    'Block',
    [
      '<form id="form-block" class="form">',
      '<p id="block-what"></p>',
      radios('duration', 'How long', [
        ['until', 'Until an administrator unblocks it'],
        ['minutes', 'For a number of minutes'],
      ]),
      '<div data-when="minutes" hidden>',
      textField('block-minutes', 'minutes', 'Minutes', 'type="number" min="1" max="525600" step="1" value="60" inputmode="numeric"'),
      '</div>',
      formEnd('Block', undefined, 'danger'),
      '</form>',
    ].join('\n'),
  );
}

/** "Are you sure?" before a deletion. */
export function confirmDialog(): string {
  return dialog(
    'dlg-confirm',
    'Please confirm',
    ['<form id="form-confirm" class="form">', '<p id="confirm-text"></p>', formEnd('Delete', undefined, 'danger'), '</form>'].join('\n'),
  );
}
