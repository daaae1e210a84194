/**
 * Dialogs (`<dialog>`, modal, Escape closes), their steps ("Add Token -> Software tokens ->
 * Protectimus MAIL"), the New/Existing tabs, fields shown by a checkbox, and form errors. Focus
 * goes into a dialog when it opens and back to the button that opened it when it closes.
 */
export const JS_DIALOGS = String.raw`
var openers = new WeakMap();

function visible(node) { return node.getClientRects().length > 0; }

function focusFirst(root) {
  var target = $all('input:not([type="hidden"]):not([disabled]), select, textarea, .tile, button[type="submit"]', root).filter(visible)[0];
  if (target) target.focus();
}

/* Shows one step of a dialog and puts the focus in it. */
function showStep(dialog, name) {
  $all('[data-step]', dialog).forEach(function (step) { step.hidden = step.getAttribute('data-step') !== name; });
  var step = $('[data-step="' + name + '"]', dialog);
  if (step) focusFirst(step);
}

/* Fields shown only while a checkbox (data-toggle) is ticked; required only while shown. */
function syncToggles(form) {
  $all('[data-toggle]', form).forEach(function (box) {
    $all('[data-when="' + box.getAttribute('data-toggle') + '"]', form).forEach(function (block) {
      block.hidden = !box.checked;
      $all('[data-required]', block).forEach(function (input) { input.required = box.checked; });
    });
  });
}

function clearFormError(form) {
  var line = $('.form-error', form);
  if (line) { line.hidden = true; line.textContent = ''; }
  $all('[aria-invalid]', form).forEach(function (input) { input.removeAttribute('aria-invalid'); });
}

/* The API's message under the form, and the focus on the field it names. */
function showFormError(form, err) {
  var line = $('.form-error', form);
  if (line) { line.textContent = err.message || String(err); line.hidden = false; }
  var input = err.field ? form.elements.namedItem(err.field) : null;
  if (input && typeof input.length === 'number' && !input.focus) input = input[0];
  if (input && input.focus && visible(input)) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/* Runs a form's request once at a time; a refusal shows in the form. */
async function submitting(form, work) {
  if (form.getAttribute('aria-busy') === 'true') return;
  clearFormError(form);
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (err) {
    showFormError(form, err instanceof ApiError ? err : { message: 'Something went wrong: ' + (err && err.message) });
  } finally {
    form.removeAttribute('aria-busy');
  }
}

/* Opens a dialog fresh: forms emptied, first step, first tab. */
function openDialog(dialog, from) {
  openers.set(dialog, from || document.activeElement);
  $all('form', dialog).forEach(function (form) { form.reset(); clearFormError(form); form.removeAttribute('aria-busy'); syncToggles(form); });
  var first = $('[data-step]', dialog);
  if (first) $all('[data-step]', dialog).forEach(function (step) { step.hidden = step !== first; });
  $all('[role="tablist"]', dialog).forEach(function (list) { selectTab($('[role="tab"]', list), false); });
  if (!dialog.open) dialog.showModal();
  focusFirst(first || dialog);
}

function selectTab(tab, focus) {
  if (!tab) return;
  var list = tab.closest('[role="tablist"]');
  $all('[role="tab"]', list).forEach(function (t) {
    var on = t === tab;
    t.setAttribute('aria-selected', on ? 'true' : 'false');
    t.tabIndex = on ? 0 : -1;
    var panel = document.getElementById(t.getAttribute('aria-controls'));
    if (panel) panel.hidden = !on;
  });
  if (focus) tab.focus();
  tab.dispatchEvent(new CustomEvent('tabshown', { bubbles: true }));
}

function setupDialogs() {
  $all('dialog').forEach(function (dialog) {
    dialog.addEventListener('click', function (event) {
      var target = event.target.closest('[data-close], [data-goto]');
      if (!target || !dialog.contains(target)) return;
      if (target.hasAttribute('data-close')) dialog.close();
      else showStep(dialog, target.getAttribute('data-goto'));
    });
    dialog.addEventListener('change', function (event) {
      if (event.target.matches('[data-toggle]')) syncToggles(event.target.form);
    });
    /*
     * The close event comes a task later, maybe after the list was redrawn and the focus put on
     * the new button: then it stays there. Else back to the opener, or the one that replaced it.
     */
    dialog.addEventListener('close', function () {
      var active = document.activeElement;
      if (active && active !== document.body && !dialog.contains(active)) return;
      var from = openers.get(dialog);
      var key = from && from.getAttribute ? from.getAttribute('data-key') : null;
      var target = from && from.isConnected ? from : (key ? document.querySelector('[data-key="' + CSS.escape(key) + '"]') : null);
      (target || $('#main')).focus();
    });
  });
  $all('[role="tablist"]').forEach(function (list) {
    list.addEventListener('click', function (event) {
      var tab = event.target.closest('[role="tab"]');
      if (tab) selectTab(tab, true);
    });
    list.addEventListener('keydown', function (event) {
      var tabs = $all('[role="tab"]', list);
      var at = tabs.indexOf(document.activeElement);
      if (at < 0) return;
      var to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      selectTab(tabs[(to + tabs.length) % tabs.length], true);
    });
  });
}

/* Block for a while or until unblocked: one dialog for tokens and users. */
function setupBlock() {
  var dialog = $('#dlg-block');
  if (!dialog) return null;
  var form = $('#form-block');
  var current = null;
  function sync() {
    var minutes = radioValue(form, 'duration') === 'minutes';
    $('[data-when="minutes"]', form).hidden = !minutes;
    field(form, 'minutes').required = minutes;
  }
  form.addEventListener('change', sync);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(form, async function () {
      var body = {};
      if (radioValue(form, 'duration') === 'minutes') body.minutes = Number(field(form, 'minutes').value);
      await api('POST', current.kind + '/' + seg(current.item.id) + '/block', body);
      dialog.close();
      notify(current.label + ' is blocked.');
      await current.list.reload();
    });
  });
  return function openBlock(kind, item, label, from, list) {
    current = { kind: kind, item: item, label: label, list: list };
    openDialog(dialog, from);
    $('#dlg-block-title').textContent = 'Block ' + label;
    $('#block-what').textContent = 'While blocked, no code is sent and none is accepted.';
    sync();
  };
}

async function unblock(kind, item, label, list) {
  try {
    await api('POST', kind + '/' + seg(item.id) + '/unblock');
    notify(label + ' is unblocked.');
    await list.reload();
  } catch (err) {
    notify(err.message, true);
  }
}

/* "Are you sure?" with the action's own button label. */
function setupConfirm() {
  var dialog = $('#dlg-confirm');
  if (!dialog) return null;
  var form = $('#form-confirm');
  var action = null;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(form, async function () {
      await action();
      dialog.close();
    });
  });
  return function confirmThen(message, label, from, run) {
    action = run;
    openDialog(dialog, from);
    $('#confirm-text').textContent = message;
    $('button[type="submit"]', form).textContent = label;
    $('.actions [data-close]', form).focus();
  };
}
`;
