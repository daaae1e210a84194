/* The Users page: list, add/edit, "Assign Token: New / Existing", unassign, block, delete, CSV import (import.ts). */

/** A user as the API shows it, with the names of its tokens. */
interface UserView extends Blockable {
  login: string;
  email: string | null;
  firstName: string | null;
  secondName: string | null;
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
      { label: 'Tokens', cell: tokensCell },
      { label: 'Status', cell: statusBadge },
      { label: 'Actions', cell: (u) => {
        return rowActions([
          button('Assign Token', { key: 'assign:' + u.id, aria: 'Assign Token to ' + u.login, onClick: (e) => openAssign(u, e.currentTarget as Element) }),
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
    ['email', 'firstName', 'secondName'].forEach((name) => {
      body[name] = field(userForm, name).value.trim() || null;
    });
    return body;
  }
  function editUser(u: UserView | null, from: Element | null): void {
    editingUser = u;
    openDialog(userDialog, from);
    $('#dlg-user-title')!.textContent = u ? 'Edit user' : 'Add User';
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

  setupImport('import-users', () => list.reload());

  list.reload();
}
