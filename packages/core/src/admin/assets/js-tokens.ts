/** The Tokens page: list, "Add Token -> Software tokens -> Protectimus MAIL", edit, block, delete. */
export const JS_TOKENS = String.raw`
/* The "Protectimus MAIL" form's fields as the API takes them. */
function mailTokenBody(form) {
  var body = { type: 'mail', name: field(form, 'name').value, email: field(form, 'email').value, otpLength: Number(radioValue(form, 'otpLength')) };
  if (field(form, 'usePin').checked) {
    body.pin = field(form, 'pin').value;
    body.pinPosition = radioValue(form, 'pinPosition');
  }
  return body;
}

function pinText(token) {
  if (!token.hasPin) return 'None';
  return token.pinPosition === 'after' ? 'PIN after the OTP' : 'PIN before the OTP';
}

function tokensPage() {
  var openBlock = setupBlock();
  var confirmThen = setupConfirm();
  var list = listController({ path: 'tokens', empty: 'No tokens yet. Add Token creates one.', render: render });
  var editing = null;

  function render(items) {
    return table('Tokens', [
      { label: 'Token Name', cls: 'cell-name', cell: function (t) { return t.name; } },
      { label: 'Type', cell: function () { return 'Protectimus MAIL'; } },
      { label: 'Email Address', cell: function (t) { return t.email; } },
      { label: 'OTP length', cell: function (t) { return t.otpLength + ' digits'; } },
      { label: 'PIN', cell: pinText },
      { label: 'User', cell: function (t) { return t.userLogin || el('span', { class: 'muted', text: 'No user' }); } },
      { label: 'Status', cell: statusBadge },
      { label: 'Actions', cell: function (t) {
        return rowActions([
          button('Edit', { key: 'edit:' + t.id, aria: 'Edit token ' + t.name, onClick: function (e) { editToken(t, e.currentTarget); } }),
          t.blocked
            ? button('Unblock', { key: 'block:' + t.id, aria: 'Unblock token ' + t.name, onClick: function () { unblock('tokens', t, 'Token "' + t.name + '"', list); } })
            : button('Block', { key: 'block:' + t.id, aria: 'Block token ' + t.name, onClick: function (e) { openBlock('tokens', t, 'token "' + t.name + '"', e.currentTarget, list); } }),
          button('Delete', { key: 'delete:' + t.id, aria: 'Delete token ' + t.name, onClick: function (e) {
            confirmThen('Delete the token "' + t.name + '"? Its user loses it and its assignments on resources end.', 'Delete', e.currentTarget, async function () {
              await api('DELETE', 'tokens/' + seg(t.id));
              notify('Token "' + t.name + '" deleted.');
              await list.reload();
            });
          } })
        ]);
      } }
    ], items);
  }

  var addDialog = $('#dlg-add-token');
  var addForm = $('#form-add-token');
  $('#add-token').addEventListener('click', function (e) { openDialog(addDialog, e.currentTarget); });
  addForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(addForm, async function () {
      var token = await api('POST', 'tokens', mailTokenBody(addForm));
      addDialog.close();
      notify('Token "' + token.name + '" created. Assign it to a user on the Users page.');
      await list.reload();
    });
  });

  var editDialog = $('#dlg-edit-token');
  var editForm = $('#form-edit-token');
  function syncPin() {
    var mode = radioValue(editForm, 'pinMode');
    $('[data-when="pin-new"]', editForm).hidden = mode !== 'new';
    field(editForm, 'pin').required = mode === 'new';
    $('[data-when="pin-position"]', editForm).hidden = mode === 'none';
  }
  editForm.addEventListener('change', syncPin);
  function editToken(token, from) {
    editing = token;
    openDialog(editDialog, from);
    field(editForm, 'name').value = token.name;
    field(editForm, 'email').value = token.email;
    setRadio(editForm, 'otpLength', token.otpLength);
    var keep = editForm.querySelector('input[name="pinMode"][value="keep"]');
    keep.disabled = !token.hasPin;
    keep.closest('label').hidden = !token.hasPin;
    setRadio(editForm, 'pinMode', token.hasPin ? 'keep' : 'none');
    setRadio(editForm, 'pinPosition', token.pinPosition || 'before');
    syncPin();
  }
  editForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(editForm, async function () {
      var body = { name: field(editForm, 'name').value, email: field(editForm, 'email').value, otpLength: Number(radioValue(editForm, 'otpLength')) };
      var mode = radioValue(editForm, 'pinMode');
      if (mode === 'none' && editing.hasPin) body.pin = null;
      if (mode === 'new') body.pin = field(editForm, 'pin').value;
      if (mode !== 'none') body.pinPosition = radioValue(editForm, 'pinPosition');
      var token = await api('PATCH', 'tokens/' + seg(editing.id), body);
      editDialog.close();
      notify('Token "' + token.name + '" saved.');
      await list.reload();
    });
  });

  list.reload();
}
`;
