import { confirmDialog, dialog, formEnd, textField } from './page-parts';
import { listSection, pageHead, panelLayout, type PageContext } from './page-layout';

function resourceDialog(): string {
  return dialog(
    'dlg-resource',
    'Add Resource',
    [
      '<form id="form-resource" class="form">',
      textField('res-name', 'name', 'Resource Name', 'type="text" required maxlength="50" autocomplete="off" spellcheck="false"', 'The name the app’s guard uses, e.g. billing.'),
      textField('res-failed', 'failedAttemptsBeforeLock', 'Failed attempts before lock', 'type="number" required min="3" max="10" step="1" value="5" inputmode="numeric"'),
      textField('res-lock', 'lockMinutes', 'Lock minutes', 'type="number" required min="1" max="10080" step="1" value="5" inputmode="numeric"'),
      '<div class="field"><label for="res-ips">Allowed IP addresses</label>',
      '<p class="hint" id="res-ips-hint">Addresses or CIDR ranges, one per line. Empty: any address.</p>',
      '<textarea id="res-ips" name="allowedIps" rows="3" spellcheck="false" autocapitalize="off" aria-describedby="res-ips-hint"></textarea></div>',
      formEnd('Save'),
      '</form>',
    ].join('\n'),
  );
}

/** "Assign -> Token with User", then the tokens with users to pick. */
function assignDialog(): string {
  return dialog(
    'dlg-assign',
    'Assign',
    [
      '<p class="hint" id="assign-to"></p>',
      '<section data-step="menu" aria-label="What to assign">',
      '<div class="tiles"><button type="button" class="tile" id="assign-token-with-user">Token with User<span class="tile-sub">A token that has a user</span></button></div>',
      '</section>',
      '<section data-step="pick" aria-label="Token with User" hidden>',
      '<form id="form-assign" class="form">',
      '<fieldset class="field"><legend>Select the tokens with users to assign</legend>',
      '<div id="assign-options" class="checklist"></div></fieldset>',
      '<p class="form-error" role="alert" hidden></p>',
      '<div class="actions"><button type="submit" class="primary">Assign</button><button type="button" class="secondary" data-goto="menu">Back</button></div>',
      '</form>',
      '</section>',
    ].join('\n'),
  );
}

/** The Resources page: the list with each one's tokens with users, add/edit, assign, unassign, delete. */
export function resourcesPage(ctx: PageContext): string {
  const main = [pageHead('Resources', '<button type="button" class="primary" id="add-resource">Add Resource</button>'), listSection('Search resources', 'Name')].join('\n');
  return panelLayout('resources', 'Resources', ctx, main, [resourceDialog(), assignDialog(), confirmDialog()].join('\n'));
}
