import { escapeHtml } from '../web/html';
import { blockDialog, confirmDialog, dialog, formEnd, mailTokenFields, textField } from './page-parts';
import { listSection, pageHead, panelLayout, type PageContext } from './page-layout';

function userDialog(): string {
  return dialog(
    'dlg-user',
    'Add User',
    [
      '<form id="form-user" class="form">',
      textField('user-login', 'login', 'Login', 'type="text" required maxlength="64" pattern="[A-Za-z0-9_\\-@!#%+.$]{1,64}" autocomplete="off" spellcheck="false" autocapitalize="off"', 'Letters, digits and _-@!#%+.$ — the login the app knows the user by.'),
      textField('user-email', 'email', 'Email', 'type="email" maxlength="254" autocomplete="off" spellcheck="false"'),
      textField('user-first', 'firstName', 'First name', 'type="text" maxlength="100" autocomplete="off"'),
      textField('user-second', 'secondName', 'Second name', 'type="text" maxlength="100" autocomplete="off"'),
      formEnd('Save'),
      '</form>',
    ].join('\n'),
  );
}

/** "Assign Token": a new token (the MAIL form), or an existing one without a user. */
function assignTokenDialog(): string {
  return dialog(
    'dlg-assign-token',
    'Assign Token',
    [
      '<p class="hint" id="assign-for"></p>',
      '<div class="tabs" role="tablist" aria-label="Which token">',
      '<button type="button" role="tab" id="tab-new" aria-controls="panel-new" aria-selected="true">New</button>',
      '<button type="button" role="tab" id="tab-existing" aria-controls="panel-existing" aria-selected="false" tabindex="-1">Existing</button>',
      '</div>',
      '<div role="tabpanel" id="panel-new" aria-labelledby="tab-new">',
      '<form id="form-assign-new" class="form">',
      '<p class="hint">A new Protectimus MAIL token for this user.</p>',
      mailTokenFields('new'),
      formEnd('Save'),
      '</form>',
      '</div>',
      '<div role="tabpanel" id="panel-existing" aria-labelledby="tab-existing" hidden>',
      '<form id="form-assign-existing" class="form">',
      '<div class="field"><label for="existing-token">Token</label>',
      '<p class="hint" id="existing-token-hint">Tokens that have no user yet.</p>',
      '<select id="existing-token" name="tokenId" required aria-describedby="existing-token-hint"></select></div>',
      formEnd('Assign'),
      '</form>',
      '</div>',
    ].join('\n'),
  );
}

const CSV_HELP = 'One user per line: login,email,firstName,secondName,resourceName1,tokenName1,resourceName2,tokenName2,… ' +
  'A token name that does not exist yet becomes a new mail token for the row’s email. Each row is imported whole or not at all.';

function importDialog(): string {
  return dialog(
    'dlg-import',
    'Import users',
    [
      '<form id="form-import" class="form">',
      `<p class="hint">${escapeHtml(CSV_HELP)}</p>`,
      '<div class="field"><label for="import-file">CSV file</label><input id="import-file" name="file" type="file" accept=".csv,text/csv"></div>',
      '<div class="field"><label for="import-text">Or paste the rows</label>',
      '<textarea id="import-text" name="csv" rows="6" spellcheck="false" autocapitalize="off"></textarea></div>',
      '<div id="import-result" class="import-result" role="status" aria-live="polite"></div>',
      formEnd('Import', '<button type="button" class="secondary" data-close>Close</button>'),
      '</form>',
    ].join('\n'),
  );
}

/** The Users page: the list, add/edit, "Assign Token", unassign, block/unblock, delete, import. */
export function usersPage(ctx: PageContext): string {
  const main = [
    pageHead('Users', '<button type="button" class="secondary" id="import-users">Import CSV</button><button type="button" class="primary" id="add-user">Add User</button>'),
    listSection('Search users', 'Login, email or name'),
  ].join('\n');
  return panelLayout('users', 'Users', ctx, main, [userDialog(), assignTokenDialog(), importDialog(), blockDialog(), confirmDialog()].join('\n'));
}
