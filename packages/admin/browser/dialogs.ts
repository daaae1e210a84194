/*
 * Dialogs (`<dialog>`, modal, Escape closes), their steps ("Add Token -> Software tokens ->
 * Protectimus MAIL"), the New/Existing tabs, fields shown by a checkbox, and form errors. Focus
 * goes into a dialog when it opens and back to the button that opened it when it closes.
 */

/** What a form shows when a request is refused. */
interface FormError {
  message?: string;
  field?: string | null;
}

/** A list the dialogs reload after a change. */
interface Reloadable {
  reload(): Promise<void>;
}

const openers = new WeakMap<HTMLDialogElement, Element | null>();

function visible(node: Element): boolean {
  return node.getClientRects().length > 0;
}

function focusFirst(root: ParentNode): void {
  const target = $all('input:not([type="hidden"]):not([disabled]), select, textarea, .tile, button[type="submit"]', root).filter(visible)[0];
  if (target) target.focus();
}

/** Shows one step of a dialog and puts the focus in it. */
function showStep(dialog: HTMLDialogElement, name: string | null): void {
  $all('[data-step]', dialog).forEach((step) => {
    step.hidden = step.getAttribute('data-step') !== name;
  });
  const step = $('[data-step="' + name + '"]', dialog);
  if (step) focusFirst(step);
}

/** Fields shown only while a checkbox (data-toggle) is ticked; required only while shown. */
function syncToggles(form: HTMLFormElement): void {
  $all<HTMLInputElement>('[data-toggle]', form).forEach((box) => {
    $all('[data-when="' + box.getAttribute('data-toggle') + '"]', form).forEach((block) => {
      block.hidden = !box.checked;
      $all<HTMLInputElement>('[data-required]', block).forEach((input) => {
        input.required = box.checked;
      });
    });
  });
}

function clearFormError(form: HTMLFormElement): void {
  const line = $('.form-error', form);
  if (line) {
    line.hidden = true;
    line.textContent = '';
  }
  $all('[aria-invalid]', form).forEach((input) => input.removeAttribute('aria-invalid'));
}

/** The API's message under the form, and the focus on the field it names. */
function showFormError(form: HTMLFormElement, err: FormError): void {
  const line = $('.form-error', form);
  if (line) {
    line.textContent = err.message || String(err);
    line.hidden = false;
  }
  // A group of radio buttons shares its name: the first of them takes the focus.
  let input: Node | RadioNodeList | null | undefined = err.field ? form.elements.namedItem(err.field) : null;
  if (input instanceof RadioNodeList) input = input[0];
  if (input instanceof HTMLElement && visible(input)) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/** Runs a form's request once at a time; a refusal shows in the form. */
async function submitting(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  if (form.getAttribute('aria-busy') === 'true') return;
  clearFormError(form);
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (err) {
    showFormError(form, err instanceof ApiError ? err : { message: 'Something went wrong: ' + (err && (err as { message?: unknown }).message) });
  } finally {
    form.removeAttribute('aria-busy');
  }
}

/** Opens a dialog fresh: forms emptied, first step, first tab. */
function openDialog(dialog: HTMLDialogElement, from?: Element | null): void {
  openers.set(dialog, from || document.activeElement);
  $all<HTMLFormElement>('form', dialog).forEach((form) => {
    form.reset();
    clearFormError(form);
    form.removeAttribute('aria-busy');
    syncToggles(form);
  });
  const first = $('[data-step]', dialog);
  if (first) $all('[data-step]', dialog).forEach((step) => {
    step.hidden = step !== first;
  });
  $all('[role="tablist"]', dialog).forEach((list) => selectTab($('[role="tab"]', list), false));
  if (!dialog.open) dialog.showModal();
  focusFirst(first || dialog);
}

function selectTab(tab: HTMLElement | null | undefined, focus: boolean): void {
  if (!tab) return;
  const list = tab.closest('[role="tablist"]');
  $all('[role="tab"]', list).forEach((t) => {
    const on = t === tab;
    t.setAttribute('aria-selected', on ? 'true' : 'false');
    t.tabIndex = on ? 0 : -1;
    const panel = document.getElementById(t.getAttribute('aria-controls') as string);
    if (panel) panel.hidden = !on;
  });
  if (focus) tab.focus();
  tab.dispatchEvent(new CustomEvent('tabshown', { bubbles: true }));
}

function setupDialogs(): void {
  $all<HTMLDialogElement>('dialog').forEach((dialog) => {
    dialog.addEventListener('click', (event) => {
      const target = (event.target as Element).closest('[data-close], [data-goto]');
      if (!target || !dialog.contains(target)) return;
      if (target.hasAttribute('data-close')) dialog.close();
      else showStep(dialog, target.getAttribute('data-goto'));
    });
    dialog.addEventListener('change', (event) => {
      const box = event.target as HTMLInputElement;
      if (box.matches('[data-toggle]')) syncToggles(box.form as HTMLFormElement);
    });
    /*
     * The close event comes a task later, maybe after the list was redrawn and the focus put on
     * the new button: then it stays there. Else back to the opener, or the one that replaced it.
     */
    dialog.addEventListener('close', () => {
      const active = document.activeElement;
      if (active && active !== document.body && !dialog.contains(active)) return;
      const from = openers.get(dialog);
      const key = from ? from.getAttribute('data-key') : null;
      const target = from && from.isConnected ? from : (key ? document.querySelector('[data-key="' + CSS.escape(key) + '"]') : null);
      ((target || $('#main')) as HTMLElement).focus();
    });
  });
  $all('[role="tablist"]').forEach((list) => {
    list.addEventListener('click', (event) => {
      const tab = (event.target as Element).closest<HTMLElement>('[role="tab"]');
      if (tab) selectTab(tab, true);
    });
    list.addEventListener('keydown', (event) => {
      const tabs = $all('[role="tab"]', list);
      const at = tabs.indexOf(document.activeElement as HTMLElement);
      if (at < 0) return;
      const to = ({ ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 } as Record<string, number>)[event.key];
      if (to === undefined) return;
      event.preventDefault();
      selectTab(tabs[(to + tabs.length) % tabs.length], true);
    });
  });
}

/** Opens the Block dialog for a token or a user. */
type OpenBlock = (kind: 'tokens' | 'users', item: Blockable, label: string, from: Element | null, list: Reloadable) => void;

/** Block for a while or until unblocked: one dialog for tokens and users. */
function setupBlock(): OpenBlock | null {
  const dialog = $<HTMLDialogElement>('#dlg-block');
  if (!dialog) return null;
  const form = $<HTMLFormElement>('#form-block')!;
  let current: { kind: string; item: Blockable; label: string; list: Reloadable } | null = null;
  function sync(): void {
    const minutes = radioValue(form, 'duration') === 'minutes';
    $('[data-when="minutes"]', form)!.hidden = !minutes;
    field(form, 'minutes').required = minutes;
  }
  form.addEventListener('change', sync);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const body: { minutes?: number } = {};
      if (radioValue(form, 'duration') === 'minutes') body.minutes = Number(field(form, 'minutes').value);
      await api('POST', current!.kind + '/' + seg(current!.item.id) + '/block', body);
      dialog.close();
      notify(current!.label + ' is blocked.');
      await current!.list.reload();
    });
  });
  return function openBlock(kind, item, label, from, list) {
    current = { kind: kind, item: item, label: label, list: list };
    openDialog(dialog, from);
    $('#dlg-block-title')!.textContent = 'Block ' + label;
    $('#block-what')!.textContent = 'While blocked, no code is sent and none is accepted.';
    sync();
  };
}

async function unblock(kind: 'tokens' | 'users', item: Blockable, label: string, list: Reloadable): Promise<void> {
  try {
    await api('POST', kind + '/' + seg(item.id) + '/unblock');
    notify(label + ' is unblocked.');
    await list.reload();
  } catch (err) {
    notify(messageOf(err), true);
  }
}

/** Asks "Are you sure?" with the action's own button label, then runs the action. */
type ConfirmThen = (message: string, label: string, from: Element | null, run: () => Promise<void>) => void;

/** "Are you sure?" with the action's own button label. */
function setupConfirm(): ConfirmThen | null {
  const dialog = $<HTMLDialogElement>('#dlg-confirm');
  if (!dialog) return null;
  const form = $<HTMLFormElement>('#form-confirm')!;
  let action: (() => Promise<void>) | null = null;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      await action!();
      dialog.close();
    });
  });
  return function confirmThen(message, label, from, run) {
    action = run;
    openDialog(dialog, from);
    $('#confirm-text')!.textContent = message;
    $('button[type="submit"]', form)!.textContent = label;
    $('.actions [data-close]', form)!.focus();
  };
}

/** What a row's Delete button says and removes. */
interface DeleteAction {
  /** The record's id: the button's key, so the focus survives a reload. */
  key: string;
  aria: string;
  question: string;
  /** The API path to DELETE. */
  path: string;
  done: string;
}

/** A row's Delete button: asks first, then deletes, says so and reloads the list. */
function deleteButton(confirmThen: ConfirmThen, what: DeleteAction, list: Reloadable): HTMLButtonElement {
  return button('Delete', {
    key: 'delete:' + what.key,
    aria: what.aria,
    onClick: (e) => {
      confirmThen(what.question, 'Delete', e.currentTarget as Element, async () => {
        await api('DELETE', what.path);
        notify(what.done);
        await list.reload();
      });
    },
  });
}
