/* The Tokens page: list, "Add Token -> Software tokens -> Protectimus MAIL", edit, block, delete. */

/** A mail token as the API shows it. */
interface TokenView extends Blockable {
  name: string;
  email: string;
  otpLength: number;
  hasPin: boolean;
  pinPosition: 'before' | 'after' | null;
  userLogin: string | null;
  /** Null while an enrolled token waits for its first right code. */
  confirmedAt: string | null;
}

/** The status badge, and "Pending confirmation" for an enrolled token whose address is not confirmed yet. */
function tokenStatus(token: TokenView): Child[] {
  if (token.confirmedAt !== null) return [statusBadge(token)];
  const pending = el('span', { class: 'badge pending', title: 'Enrolled by the app; usable once the first code mailed to its address is typed', text: 'Pending confirmation' });
  return token.blocked ? [statusBadge(token), ' ', pending] : [pending];
}

/** The "Protectimus MAIL" form's fields as the API takes them. */
function mailTokenBody(form: HTMLFormElement): Record<string, unknown> {
  const body: Record<string, unknown> = { type: 'mail', name: field(form, 'name').value, email: field(form, 'email').value, otpLength: Number(radioValue(form, 'otpLength')) };
  if (field(form, 'usePin').checked) {
    body.pin = field(form, 'pin').value;
    body.pinPosition = radioValue(form, 'pinPosition');
  }
  return body;
}

function pinText(token: TokenView): string {
  if (!token.hasPin) return 'None';
  return token.pinPosition === 'after' ? 'PIN after the OTP' : 'PIN before the OTP';
}

function tokensPage(): void {
  const openBlock = setupBlock()!;
  const confirmThen = setupConfirm()!;
  const list = listController<TokenView>({ path: 'tokens', empty: 'No tokens yet. Add Token creates one.', render: render });
  let editing: TokenView | null = null;

  function render(items: TokenView[]): Node {
    return table<TokenView>('Tokens', [
      { label: 'Token Name', cls: 'cell-name', cell: (t) => t.name },
      { label: 'Type', cell: () => 'Protectimus MAIL' },
      { label: 'Email Address', cell: (t) => t.email },
      { label: 'OTP length', cell: (t) => t.otpLength + ' digits' },
      { label: 'PIN', cell: pinText },
      { label: 'User', cell: (t) => t.userLogin || el('span', { class: 'muted', text: 'No user' }) },
      { label: 'Status', cell: tokenStatus },
      { label: 'Actions', cell: (t) => {
        return rowActions([
          button('Edit', { key: 'edit:' + t.id, aria: 'Edit token ' + t.name, onClick: (e) => editToken(t, e.currentTarget as Element) }),
          t.blocked
            ? button('Unblock', { key: 'block:' + t.id, aria: 'Unblock token ' + t.name, onClick: () => unblock('tokens', t, 'Token "' + t.name + '"', list) })
            : button('Block', { key: 'block:' + t.id, aria: 'Block token ' + t.name, onClick: (e) => openBlock('tokens', t, 'token "' + t.name + '"', e.currentTarget as Element, list) }),
          deleteButton(confirmThen, { key: t.id, aria: 'Delete token ' + t.name, question: 'Delete the token "' + t.name + '"? Its user loses it and its assignments on resources end.', path: 'tokens/' + seg(t.id), done: 'Token "' + t.name + '" deleted.' }, list),
        ]);
      } },
    ], items);
  }

  const addDialog = $<HTMLDialogElement>('#dlg-add-token')!;
  const addForm = $<HTMLFormElement>('#form-add-token')!;
  $('#add-token')!.addEventListener('click', (e) => openDialog(addDialog, e.currentTarget as Element));
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(addForm, async () => {
      const token = await api<TokenView>('POST', 'tokens', mailTokenBody(addForm));
      addDialog.close();
      notify('Token "' + token.name + '" created. Assign it to a user on the Users page.');
      await list.reload();
    });
  });

  const editDialog = $<HTMLDialogElement>('#dlg-edit-token')!;
  const editForm = $<HTMLFormElement>('#form-edit-token')!;
  function syncPin(): void {
    const mode = radioValue(editForm, 'pinMode');
    $('[data-when="pin-new"]', editForm)!.hidden = mode !== 'new';
    field(editForm, 'pin').required = mode === 'new';
    $('[data-when="pin-position"]', editForm)!.hidden = mode === 'none';
  }
  editForm.addEventListener('change', syncPin);
  function editToken(token: TokenView, from: Element | null): void {
    editing = token;
    openDialog(editDialog, from);
    field(editForm, 'name').value = token.name;
    field(editForm, 'email').value = token.email;
    setRadio(editForm, 'otpLength', token.otpLength);
    const keep = editForm.querySelector<HTMLInputElement>('input[name="pinMode"][value="keep"]')!;
    keep.disabled = !token.hasPin;
    keep.closest('label')!.hidden = !token.hasPin;
    setRadio(editForm, 'pinMode', token.hasPin ? 'keep' : 'none');
    setRadio(editForm, 'pinPosition', token.pinPosition || 'before');
    syncPin();
  }
  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(editForm, async () => {
      const body: Record<string, unknown> = { name: field(editForm, 'name').value, email: field(editForm, 'email').value, otpLength: Number(radioValue(editForm, 'otpLength')) };
      const mode = radioValue(editForm, 'pinMode');
      if (mode === 'none' && editing!.hasPin) body.pin = null;
      if (mode === 'new') body.pin = field(editForm, 'pin').value;
      if (mode !== 'none') body.pinPosition = radioValue(editForm, 'pinPosition');
      const token = await api<TokenView>('PATCH', 'tokens/' + seg(editing!.id), body);
      editDialog.close();
      notify('Token "' + token.name + '" saved.');
      await list.reload();
    });
  });

  list.reload();
}
