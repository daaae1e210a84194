/** The Users page: list, add/edit, "Assign Token: New / Existing", unassign, block, delete, CSV import. */
export const JS_USERS = String.raw`
function usersPage() {
  var openBlock = setupBlock();
  var confirmThen = setupConfirm();
  var list = listController({ path: 'users', empty: 'No users yet. Add User or Import CSV creates them.', render: render });

  function fullName(u) { return [u.firstName, u.secondName].filter(Boolean).join(' '); }

  function tokensCell(u) {
    if (!u.tokens.length) return el('span', { class: 'muted', text: 'No token' });
    return el('ul', { class: 'inline-list' }, u.tokens.map(function (t) {
      return el('li', null, [
        el('span', { text: t.name + (t.blocked ? ' (blocked)' : '') }),
        button('Unassign', { key: 'unassign:' + u.id + ':' + t.id, aria: 'Unassign token ' + t.name + ' from ' + u.login, onClick: function (e) {
          confirmThen('Take the token "' + t.name + '" from ' + u.login + '? Its assignments on resources end; the token stays, without a user.', 'Unassign', e.currentTarget, async function () {
            await api('DELETE', 'users/' + seg(u.id) + '/tokens/' + seg(t.id));
            notify('Token "' + t.name + '" unassigned from ' + u.login + '.');
            await list.reload();
          });
        } })
      ]);
    }));
  }

  function render(items) {
    return table('Users', [
      { label: 'Login', cls: 'cell-name', cell: function (u) { return u.login; } },
      { label: 'Email', cell: function (u) { return u.email || el('span', { class: 'muted', text: 'None' }); } },
      { label: 'Name', cell: function (u) { return fullName(u); } },
      { label: 'Tokens', cell: tokensCell },
      { label: 'Status', cell: statusBadge },
      { label: 'Actions', cell: function (u) {
        return rowActions([
          button('Assign Token', { key: 'assign:' + u.id, aria: 'Assign a token to ' + u.login, onClick: function (e) { openAssign(u, e.currentTarget); } }),
          u.blocked
            ? button('Unblock', { key: 'block:' + u.id, aria: 'Unblock user ' + u.login, onClick: function () { unblock('users', u, 'User ' + u.login, list); } })
            : button('Block', { key: 'block:' + u.id, aria: 'Block user ' + u.login, onClick: function (e) { openBlock('users', u, 'user ' + u.login, e.currentTarget, list); } }),
          button('Edit', { key: 'edit:' + u.id, aria: 'Edit user ' + u.login, onClick: function (e) { editUser(u, e.currentTarget); } }),
          button('Delete', { key: 'delete:' + u.id, aria: 'Delete user ' + u.login, onClick: function (e) {
            confirmThen('Delete the user ' + u.login + '? Their tokens stay, without a user.', 'Delete', e.currentTarget, async function () {
              await api('DELETE', 'users/' + seg(u.id));
              notify('User ' + u.login + ' deleted.');
              await list.reload();
            });
          } })
        ]);
      } }
    ], items);
  }

  /* Add User and Edit share one form; null clears an optional field. */
  var userDialog = $('#dlg-user');
  var userForm = $('#form-user');
  var editingUser = null;
  function userBody() {
    var body = { login: field(userForm, 'login').value.trim() };
    ['email', 'firstName', 'secondName'].forEach(function (name) { body[name] = field(userForm, name).value.trim() || null; });
    return body;
  }
  function editUser(u, from) {
    editingUser = u;
    openDialog(userDialog, from);
    $('#dlg-user-title').textContent = u ? 'Edit user' : 'Add User';
    if (!u) return;
    field(userForm, 'login').value = u.login;
    field(userForm, 'email').value = u.email || '';
    field(userForm, 'firstName').value = u.firstName || '';
    field(userForm, 'secondName').value = u.secondName || '';
  }
  $('#add-user').addEventListener('click', function (e) { editUser(null, e.currentTarget); });
  userForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(userForm, async function () {
      var user = editingUser ? await api('PATCH', 'users/' + seg(editingUser.id), userBody()) : await api('POST', 'users', userBody());
      userDialog.close();
      notify('User ' + user.login + (editingUser ? ' saved.' : ' created. Assign Token gives them a token.'));
      await list.reload();
    });
  });

  /* Assign Token: New (the MAIL form) or Existing (a token without a user). */
  var assignDialog = $('#dlg-assign-token');
  var newForm = $('#form-assign-new');
  var existingForm = $('#form-assign-existing');
  var select = $('#existing-token');
  var assigning = null;
  async function loadExisting() {
    select.replaceChildren(el('option', { value: '', text: 'Loading…' }));
    try {
      var page = await api('GET', 'tokens' + qs({ owner: 'none', limit: 200 }));
      select.replaceChildren.apply(select, page.items.length
        ? [el('option', { value: '', text: 'Choose a token' })].concat(page.items.map(function (t) { return el('option', { value: t.id, text: t.name + ' (' + t.email + ')' }); }))
        : [el('option', { value: '', text: 'No token without a user: use New' })]);
    } catch (err) {
      select.replaceChildren(el('option', { value: '', text: 'Could not load the tokens' }));
      showFormError(existingForm, err);
    }
  }
  function openAssign(u, from) {
    assigning = u;
    openDialog(assignDialog, from);
    $('#assign-for').textContent = 'For user ' + u.login;
    if (u.email) field(newForm, 'email').value = u.email;
    loadExisting();
  }
  newForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(newForm, async function () {
      var token = await api('POST', 'users/' + seg(assigning.id) + '/tokens', { token: mailTokenBody(newForm) });
      assignDialog.close();
      notify('Token "' + token.name + '" created and assigned to ' + assigning.login + '.');
      await list.reload();
    });
  });
  existingForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(existingForm, async function () {
      var token = await api('POST', 'users/' + seg(assigning.id) + '/tokens', { tokenId: select.value });
      assignDialog.close();
      notify('Token "' + token.name + '" assigned to ' + assigning.login + '.');
      await list.reload();
    });
  });

  /* Import CSV: a file or pasted rows; each refused row is listed by line. */
  var importDialog = $('#dlg-import');
  var importForm = $('#form-import');
  var result = $('#import-result');
  $('#import-users').addEventListener('click', function (e) {
    openDialog(importDialog, e.currentTarget);
    result.replaceChildren();
  });
  importForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(importForm, async function () {
      var file = $('#import-file').files[0];
      var text = file ? await file.text() : $('#import-text').value;
      if (!text.trim()) throw new ApiError(400, { message: 'Choose a CSV file or paste the rows.', field: 'csv' });
      result.replaceChildren();
      var answer = await api('POST', 'users/import', text, 'text/csv');
      var parts = [el('p', { text: 'Imported ' + answer.created + (answer.created === 1 ? ' user.' : ' users.') })];
      if (answer.errors.length) {
        parts.push(el('p', { class: 'alert', text: answer.errors.length + (answer.errors.length === 1 ? ' row was' : ' rows were') + ' not imported:' }));
        parts.push(el('ul', null, answer.errors.map(function (e) { return el('li', { text: 'Line ' + e.line + ': ' + e.message }); })));
      }
      result.replaceChildren.apply(result, parts);
      await list.reload();
    });
  });

  list.reload();
}
`;
