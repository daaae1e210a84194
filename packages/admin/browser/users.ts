/* The Users page: list, add/edit, "Assign Token: New / Existing", unassign, devices, block, delete, CSV import (import.ts). */

/** A remembered device as the API lists it. */
interface DeviceView {
  id: string;
  label: string;
  resourceName: string;
  tokenName: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

/** A user as the API shows it, with the names of its tokens. */
interface UserView extends Blockable {
  login: string;
  email: string | null;
  firstName: string | null;
  secondName: string | null;
  /** The language of the user's code mail, or null for the page's. */
  locale: string | null;
  tokens: { id: string; name: string; blocked: string | null }[];
}

function usersPage(): void {
  const openBlock = setupBlock()!;
  const confirmThen = setupConfirm()!;
  const list = listController<UserView>({ path: 'users', empty: 'No users yet. Add User or Import CSV creates them.', render: render });

  function fullName(u: UserView): string {
    return [u.firstName, u.secondName].filter(Boolean).join(' ');
  }

  function tokensCell(u: UserView): Node {
    if (!u.tokens.length) return el('span', { class: 'muted', text: 'No token' });
    return el('ul', { class: 'inline-list' }, u.tokens.map((t) => {
      return el('li', null, [
        el('span', { text: t.name + (t.blocked ? ' (blocked)' : '') }),
        button('Unassign', { key: 'unassign:' + u.id + ':' + t.id, aria: 'Unassign token ' + t.name + ' from ' + u.login, onClick: (e) => {
          confirmThen('Take the token "' + t.name + '" from ' + u.login + '? Its assignments on resources end; the token stays, without a user.', 'Unassign', e.currentTarget as Element, async () => {
            await api('DELETE', 'users/' + seg(u.id) + '/tokens/' + seg(t.id));
            notify('Token "' + t.name + '" unassigned from ' + u.login + '.');
            await list.reload();
          });
        } }),
      ]);
    }));
  }

  function render(items: UserView[]): Node {
    return table<UserView>('Users', [
      { label: 'Login', cls: 'cell-name', cell: (u) => u.login },
      { label: 'Email', cell: (u) => u.email || el('span', { class: 'muted', text: 'None' }) },
      { label: 'Name', cell: (u) => fullName(u) },
      { label: 'Mail language', cell: (u) => u.locale || el('span', { class: 'muted', text: 'The page’s' }) },
      { label: 'Tokens', cell: tokensCell },
      { label: 'Status', cell: statusBadge },
      { label: 'Actions', cell: (u) => {
        return rowActions([
          button('Assign Token', { key: 'assign:' + u.id, aria: 'Assign Token to ' + u.login, onClick: (e) => openAssign(u, e.currentTarget as Element) }),
          button('Devices', { key: 'devices:' + u.id, aria: 'Remembered devices of ' + u.login, onClick: (e) => openDevices(u, e.currentTarget as Element) }),
          u.blocked
            ? button('Unblock', { key: 'block:' + u.id, aria: 'Unblock user ' + u.login, onClick: () => unblock('users', u, 'User ' + u.login, list) })
            : button('Block', { key: 'block:' + u.id, aria: 'Block user ' + u.login, onClick: (e) => openBlock('users', u, 'user ' + u.login, e.currentTarget as Element, list) }),
          button('Edit', { key: 'edit:' + u.id, aria: 'Edit user ' + u.login, onClick: (e) => editUser(u, e.currentTarget as Element) }),
          deleteButton(confirmThen, { key: u.id, aria: 'Delete user ' + u.login, question: 'Delete the user ' + u.login + '? Their tokens stay, without a user.', path: 'users/' + seg(u.id), done: 'User ' + u.login + ' deleted.' }, list),
        ]);
      } },
    ], items);
  }

  // Add User and Edit share one form; null clears an optional field.
  const userDialog = $<HTMLDialogElement>('#dlg-user')!;
  const userForm = $<HTMLFormElement>('#form-user')!;
  let editingUser: UserView | null = null;
  function userBody(): Record<string, string | null> {
    const body: Record<string, string | null> = { login: field(userForm, 'login').value.trim() };
    ['email', 'firstName', 'secondName', 'locale'].forEach((name) => {
      body[name] = field(userForm, name).value.trim() || null;
    });
    return body;
  }
  // A tag the API set that the instance does not serve stays the user's, shown as it is.
  function showLocale(value: string | null): void {
    const select = field<HTMLSelectElement>(userForm, 'locale');
    if (value && !Array.from(select.options).some((o) => o.value === value)) select.append(el('option', { value: value, text: value }));
    select.value = value || '';
  }
  function editUser(u: UserView | null, from: Element | null): void {
    editingUser = u;
    openDialog(userDialog, from);
    $('#dlg-user-title')!.textContent = u ? 'Edit user' : 'Add User';
    showLocale(u ? u.locale : null);
    if (!u) return;
    field(userForm, 'login').value = u.login;
    field(userForm, 'email').value = u.email || '';
    field(userForm, 'firstName').value = u.firstName || '';
    field(userForm, 'secondName').value = u.secondName || '';
  }
  $('#add-user')!.addEventListener('click', (e) => editUser(null, e.currentTarget as Element));
  userForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(userForm, async () => {
      const user = editingUser ? await api<UserView>('PATCH', 'users/' + seg(editingUser.id), userBody()) : await api<UserView>('POST', 'users', userBody());
      userDialog.close();
      notify('User ' + user.login + (editingUser ? ' saved.' : ' created. Assign Token gives them a token.'));
      await list.reload();
    });
  });

  // Assign Token: New (the MAIL form) or Existing (a token without a user).
  const assignDialog = $<HTMLDialogElement>('#dlg-assign-token')!;
  const newForm = $<HTMLFormElement>('#form-assign-new')!;
  const existingForm = $<HTMLFormElement>('#form-assign-existing')!;
  const select = $<HTMLSelectElement>('#existing-token')!;
  let assigning: UserView | null = null;
  async function loadExisting(): Promise<void> {
    select.replaceChildren(el('option', { value: '', text: 'Loading…' }));
    try {
      const page = await api<ApiPage<TokenView>>('GET', 'tokens' + qs({ owner: 'none', limit: 200 }));
      select.replaceChildren(...(page.items.length
        ? [el('option', { value: '', text: 'Choose a token' })].concat(page.items.map((t) => el('option', { value: t.id, text: t.name + ' (' + t.email + ')' })))
        : [el('option', { value: '', text: 'No token without a user: use New' })]));
    } catch (err) {
      select.replaceChildren(el('option', { value: '', text: 'Could not load the tokens' }));
      showFormError(existingForm, err as FormError);
    }
  }
  function openAssign(u: UserView, from: Element | null): void {
    assigning = u;
    openDialog(assignDialog, from);
    $('#assign-for')!.textContent = 'For user ' + u.login;
    if (u.email) field(newForm, 'email').value = u.email;
    loadExisting();
  }
  newForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(newForm, async () => {
      const token = await api<TokenView>('POST', 'users/' + seg(assigning!.id) + '/tokens', { token: mailTokenBody(newForm) });
      assignDialog.close();
      notify('Token "' + token.name + '" created and assigned to ' + assigning!.login + '.');
      await list.reload();
    });
  });
  existingForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(existingForm, async () => {
      const token = await api<TokenView>('POST', 'users/' + seg(assigning!.id) + '/tokens', { tokenId: select.value });
      assignDialog.close();
      notify('Token "' + token.name + '" assigned to ' + assigning!.login + '.');
      await list.reload();
    });
  });

  // Devices: the user's remembered devices, forgotten one by one or all at once.
  const devicesDialog = $<HTMLDialogElement>('#dlg-devices')!;
  const devicesForm = $<HTMLFormElement>('#form-devices')!;
  const devicesList = $('#devices-list')!;
  let devicesOf: UserView | null = null;
  async function loadDevices(): Promise<void> {
    const u = devicesOf!;
    devicesList.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
    const answer = await api<{ items: DeviceView[] }>('GET', 'users/' + seg(u.id) + '/devices');
    $<HTMLButtonElement>('button[type="submit"]', devicesForm)!.disabled = answer.items.length === 0;
    if (!answer.items.length) {
      devicesList.replaceChildren(el('p', { class: 'muted', text: 'No remembered device.' }));
      return;
    }
    devicesList.replaceChildren(table<DeviceView>('Remembered devices of ' + u.login, [
      { label: 'Device', cls: 'cell-name', cell: (d) => d.label },
      { label: 'Resource', cell: (d) => d.resourceName },
      { label: 'Token', cell: (d) => d.tokenName },
      { label: 'Remembered', cell: (d) => fmtTime(d.createdAt) },
      { label: 'Last used', cell: (d) => fmtTime(d.lastUsedAt) },
      { label: 'Expires', cell: (d) => fmtTime(d.expiresAt) },
      { label: 'Actions', cell: (d) => button('Forget', { key: 'forget:' + d.id, aria: 'Forget ' + d.label + ' on ' + d.resourceName, onClick: () => forgetDevice(d) }) },
    ], answer.items));
  }
  async function forgetDevice(d: DeviceView): Promise<void> {
    try {
      await api('DELETE', 'users/' + seg(devicesOf!.id) + '/devices/' + seg(d.id));
      notify(d.label + ' on ' + d.resourceName + ' forgotten for ' + devicesOf!.login + '.');
      await loadDevices();
      const next = $<HTMLButtonElement>('#devices-list button') || $<HTMLButtonElement>('.actions [data-close]', devicesForm);
      if (next) next.focus();
    } catch (err) {
      showFormError(devicesForm, err as FormError);
    }
  }
  function openDevices(u: UserView, from: Element | null): void {
    devicesOf = u;
    openDialog(devicesDialog, from);
    $('#devices-for')!.textContent = 'For user ' + u.login;
    loadDevices().catch((err: unknown) => {
      devicesList.replaceChildren();
      showFormError(devicesForm, err as FormError);
    });
  }
  devicesForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(devicesForm, async () => {
      const answer = await api<{ forgotten: number }>('DELETE', 'users/' + seg(devicesOf!.id) + '/devices');
      notify(answer.forgotten + (answer.forgotten === 1 ? ' device' : ' devices') + ' forgotten for ' + devicesOf!.login + '.');
      await loadDevices();
    });
  });

  setupImport('import-users', () => list.reload());

  list.reload();
}
