import { blockDialog, confirmDialog, dialog, formEnd, mailTokenFields, radios, textField } from './page-parts';
import { listSection, pageHead, panelLayout, type PageContext } from './page-layout';

const MAIL_NOTE =
  'Mail tokens are free and simple, as inboxes are usually protected by a password, but they are weaker than other ' +
  'token types, above all when the inbox and the protected app share a password. Add a PIN.';

/** "Add Token -> Software tokens -> Protectimus MAIL", one step of the dialog at a time. */
function addTokenDialog(): string {
  return dialog(
    'dlg-add-token',
    'Add Token',
    [
      '<section data-step="kind" aria-label="Token kind">',
      '<p>Choose the kind of token.</p>',
      '<div class="tiles"><button type="button" class="tile" data-goto="software">Software tokens<span class="tile-sub">Codes delivered to an app, a phone or a mailbox</span></button></div>',
      '</section>',
      '<section data-step="software" aria-label="Software tokens" hidden>',
      '<p>Software tokens</p>',
      '<div class="tiles"><button type="button" class="tile" data-goto="mail">Protectimus MAIL<span class="tile-sub">One-time passwords sent by email</span></button></div>',
      '<div class="actions"><button type="button" class="secondary" data-goto="kind">Back</button></div>',
      '</section>',
      '<section data-step="mail" aria-label="Protectimus MAIL" hidden>',
      '<h3>Protectimus MAIL</h3>',
      `<p class="hint note">${MAIL_NOTE}</p>`,
      '<form id="form-add-token" class="form">',
      mailTokenFields('add'),
      formEnd('Save', '<button type="button" class="secondary" data-goto="software">Back</button>'),
      '</form>',
      '</section>',
    ].join('\n'),
  );
}

/** Edit a token; the PIN can be kept, replaced or removed, and is never shown. */
function editTokenDialog(): string {
  return dialog(
    'dlg-edit-token',
    'Edit token',
    [
      '<form id="form-edit-token" class="form">',
      textField('edit-name', 'name', 'Token Name', 'type="text" required maxlength="50" autocomplete="off" spellcheck="false"'),
      textField('edit-email', 'email', 'Email Address', 'type="email" required maxlength="254" autocomplete="off" spellcheck="false"'),
      radios('otpLength', 'One-time Password Length', [
        ['6', '6 digits'],
        ['8', '8 digits'],
      ]),
      radios('pinMode', 'PIN', [
        ['keep', 'Keep the current PIN'],
        ['new', 'Set a new PIN'],
        ['none', 'No PIN'],
      ]),
      '<div data-when="pin-new" hidden>',
      textField('edit-pin', 'pin', 'New PIN', 'type="text" minlength="4" maxlength="12" pattern="[A-Za-z0-9]{4,12}" autocomplete="off" spellcheck="false" autocapitalize="off"', '4 to 12 letters or digits.'),
      '</div>',
      '<div data-when="pin-position" hidden>',
      radios('pinPosition', 'Where the PIN goes', [
        ['before', 'PIN before the OTP'],
        ['after', 'PIN after the OTP'],
      ]),
      '</div>',
      formEnd('Save'),
      '</form>',
    ].join('\n'),
  );
}

/** The Tokens page: the list, "Add Token", edit, block/unblock, delete. */
export function tokensPage(ctx: PageContext): string {
  const main = [
    pageHead('Tokens', '<button type="button" class="primary" id="add-token">Add Token</button>'),
    listSection('Search tokens', 'Name or email address'),
  ].join('\n');
  return panelLayout('tokens', 'Tokens', ctx, main, [addTokenDialog(), editTokenDialog(), blockDialog(), confirmDialog()].join('\n'));
}
