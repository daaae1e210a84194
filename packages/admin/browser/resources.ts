/* The Resources page: list with each one's tokens with users, add/edit, "Assign -> Token with User", unassign, delete, CSV import (import.ts). */

/** A resource as the API shows it. */
interface ResourceView {
  id: string;
  name: string;
  /** What users read in the guard's page and the mail; absent when none. */
  displayName?: string;
  failedAttemptsBeforeLock: number;
  lockMinutes: number;
  allowedIps: string[];
  /** Whether the app's guard may enroll its own users here. */
  enrollment: 'allowed' | 'off';
  /** When it may be entered; null: at any time. */
  schedule: ScheduleView | null;
}

/** A resource's time window as the API shows it: a time zone, and per weekday its ranges. */
interface ScheduleView {
  timeZone: string;
  days: Partial<Record<string, [string, string][]>>;
}

/** The weekdays as the API names them, with the short names the list shows. */
const WEEKDAYS: readonly [day: string, short: string][] = [['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'], ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun']];

/** "08:00-12:00, 13:00-19:00": a day's ranges as the form and the list write them. */
function rangesText(ranges: readonly [string, string][] | undefined): string {
  return (ranges || []).map((r) => r[0] + '-' + r[1]).join(', ');
}

/** The list's cell: "Any time", or the zone and each open day's ranges. */
function scheduleCell(s: ScheduleView | null): Node {
  if (!s) return el('span', { class: 'muted', text: 'Any time' });
  const open = WEEKDAYS.filter((d) => (s.days[d[0]] || []).length > 0);
  return el('div', null, [
    el('div', { text: s.timeZone }),
    open.length ? el('ul', { class: 'inline-list' }, open.map((d) => el('li', { text: d[1] + ' ' + rangesText(s.days[d[0]]) }))) : el('span', { class: 'muted', text: 'Never open' }),
  ]);
}

/**
 * The form's time window as the API takes it: null without a time zone; else each day's text
 * split into ranges. A range that is not HH:MM-HH:MM is refused here, pointing at its day; the
 * server checks the rest (the zone, the times, overlaps).
 */
function scheduleFromForm(form: HTMLFormElement): ScheduleView | null {
  const timeZone = field(form, 'schedule').value.trim();
  if (!timeZone) return null;
  const days: Record<string, [string, string][]> = {};
  WEEKDAYS.forEach((d) => {
    const text = field(form, 'schedule-' + d[0]).value.trim();
    if (!text) return;
    days[d[0]] = text.split(/[,;]/).map((part) => part.trim()).filter(Boolean).map((part) => {
      const m = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/.exec(part);
      if (!m) throw new ApiError(400, { field: 'schedule-' + d[0], message: 'Not a range like 08:00-12:00: "' + part + '".' });
      return [pad(m[1]!), pad(m[2]!)] as [string, string];
    });
  });
  return { timeZone: timeZone, days: days };
}

function pad(hhmm: string): string {
  return hhmm.length === 4 ? '0' + hhmm : hhmm;
}

/** Offers the browser's time zones as suggestions for the zone field. */
function fillZones(): void {
  const list = $('#res-sched-zones');
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  if (!list || !intl.supportedValuesOf) return;
  list.replaceChildren(...intl.supportedValuesOf('timeZone').map((z) => el('option', { value: z })));
}

/** A token with user assigned on a resource, as the API shows it. */
interface AssignmentView {
  tokenId: string;
  tokenName: string;
  login: string;
}

function resourcesPage(): void {
  const confirmThen = setupConfirm()!;
  const assignments: Record<string, AssignmentView[]> = {};
  const list = listController<ResourceView>({ path: 'resources', empty: 'No resources yet. Add Resource creates one.', render: render, prepare: loadAssignments });

  async function loadAssignments(items: ResourceView[]): Promise<void> {
    await Promise.all(items.map(async (r) => {
      assignments[r.id] = (await api<ApiPage<AssignmentView>>('GET', 'resources/' + seg(r.id) + '/assignments')).items;
    }));
  }

  function assignedCell(r: ResourceView): Node {
    const items = assignments[r.id] || [];
    if (!items.length) return el('span', { class: 'muted', text: 'None' });
    return el('ul', { class: 'inline-list' }, items.map((a) => {
      return el('li', null, [
        el('span', { text: a.tokenName + ' — ' + a.login }),
        button('Unassign', { key: 'unassign:' + r.id + ':' + a.tokenId, aria: 'Unassign ' + a.tokenName + ' of ' + a.login + ' from ' + r.name, onClick: (e) => {
          confirmThen('Unassign the token "' + a.tokenName + '" of ' + a.login + ' from ' + r.name + '? ' + a.login + ' can no longer pass there.', 'Unassign', e.currentTarget as Element, async () => {
            await api('DELETE', 'resources/' + seg(r.id) + '/assignments/' + seg(a.tokenId));
            notify('Unassigned from ' + r.name + '.');
            await list.reload();
          });
        } }),
      ]);
    }));
  }

  function render(items: ResourceView[]): Node {
    return table<ResourceView>('Resources', [
      { label: 'Resource Name', cls: 'cell-name', cell: (r) => r.name },
      { label: 'Display name', cell: (r) => (r.displayName === undefined ? el('span', { class: 'muted', text: 'None' }) : r.displayName) },
      { label: 'Lock after', cell: (r) => r.failedAttemptsBeforeLock + ' failed attempts' },
      { label: 'Lock for', cell: (r) => r.lockMinutes + ' min' },
      { label: 'Allowed IPs', cell: (r) => (r.allowedIps.length ? r.allowedIps.join(', ') : 'Any') },
      { label: 'Enrollment', cell: (r) => (r.enrollment === 'allowed' ? 'Allowed' : 'Off') },
      { label: 'Time window', cell: (r) => scheduleCell(r.schedule) },
      { label: 'Tokens with users', cell: assignedCell },
      { label: 'Actions', cell: (r) => {
        return rowActions([
          button('Assign', { key: 'assign:' + r.id, aria: 'Assign to ' + r.name, onClick: (e) => openAssign(r, e.currentTarget as Element) }),
          button('Edit', { key: 'edit:' + r.id, aria: 'Edit resource ' + r.name, onClick: (e) => editResource(r, e.currentTarget as Element) }),
          deleteButton(confirmThen, { key: r.id, aria: 'Delete resource ' + r.name, question: 'Delete the resource ' + r.name + '? Its assignments end, and its guard lets nobody through.', path: 'resources/' + seg(r.id), done: 'Resource ' + r.name + ' deleted.' }, list),
        ]);
      } },
    ], items);
  }

  const resourceDialog = $<HTMLDialogElement>('#dlg-resource')!;
  const resourceForm = $<HTMLFormElement>('#form-resource')!;
  let editing: ResourceView | null = null;
  function editResource(r: ResourceView | null, from: Element | null): void {
    editing = r;
    openDialog(resourceDialog, from);
    $('#dlg-resource-title')!.textContent = r ? 'Edit resource' : 'Add Resource';
    if (!r) return;
    field(resourceForm, 'name').value = r.name;
    field(resourceForm, 'displayName').value = r.displayName ?? '';
    field(resourceForm, 'failedAttemptsBeforeLock').value = String(r.failedAttemptsBeforeLock);
    field(resourceForm, 'lockMinutes').value = String(r.lockMinutes);
    field<HTMLTextAreaElement>(resourceForm, 'allowedIps').value = r.allowedIps.join('\n');
    setRadio(resourceForm, 'enrollment', r.enrollment);
    field(resourceForm, 'schedule').value = r.schedule ? r.schedule.timeZone : '';
    WEEKDAYS.forEach((d) => {
      field(resourceForm, 'schedule-' + d[0]).value = r.schedule ? rangesText(r.schedule.days[d[0]]) : '';
    });
  }
  fillZones();
  $('#add-resource')!.addEventListener('click', (e) => editResource(null, e.currentTarget as Element));
  resourceForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(resourceForm, async () => {
      const body = {
        name: field(resourceForm, 'name').value,
        displayName: field(resourceForm, 'displayName').value,
        failedAttemptsBeforeLock: Number(field(resourceForm, 'failedAttemptsBeforeLock').value),
        lockMinutes: Number(field(resourceForm, 'lockMinutes').value),
        allowedIps: field<HTMLTextAreaElement>(resourceForm, 'allowedIps').value.split(/[\s,]+/).filter(Boolean),
        enrollment: radioValue(resourceForm, 'enrollment'),
        schedule: scheduleFromForm(resourceForm),
      };
      const r = editing ? await api<ResourceView>('PATCH', 'resources/' + seg(editing.id), body) : await api<ResourceView>('POST', 'resources', body);
      resourceDialog.close();
      notify('Resource ' + r.name + (editing ? ' saved.' : ' created. Assign gives it tokens with users.'));
      await list.reload();
    });
  });

  // Assign -> Token with User -> tick the tokens with users -> Assign.
  const assignDialog = $<HTMLDialogElement>('#dlg-assign')!;
  const assignForm = $<HTMLFormElement>('#form-assign')!;
  const options = $('#assign-options')!;
  let target: ResourceView | null = null;
  function openAssign(r: ResourceView, from: Element | null): void {
    target = r;
    openDialog(assignDialog, from);
    $('#assign-to')!.textContent = 'Resource ' + r.name;
  }
  /** Pages the picker reads at most (200 tokens each). */
  const PICKER_PAGES = 10;
  /**
   * The tokens the server would assign here (`assignableTo`): with a user who has no token on the
   * resource yet, not pending confirmation. A filtered page may come back short with a `next`.
   */
  async function assignable(r: ResourceView): Promise<TokenView[]> {
    let items: TokenView[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < PICKER_PAGES; n++) {
      const page: ApiPage<TokenView> = await api<ApiPage<TokenView>>('GET', 'tokens' + qs({ assignableTo: r.id, limit: 200, cursor: cursor }));
      items = items.concat(page.items);
      cursor = page.next;
      if (!cursor) break;
    }
    return items;
  }
  async function fillPicker(r: ResourceView): Promise<void> {
    const free = await assignable(r);
    options.replaceChildren(...(free.length ? free.map((t) => {
      return el('label', { class: 'choice' }, [el('input', { type: 'checkbox', name: 'tokenId', value: t.id }), ' ' + t.name + ' — ' + (t.userLogin || '?')]);
    }) : [el('p', { class: 'hint', text: 'No token with a user is left to assign here. Give tokens to users on the Users page first; tokens pending confirmation are offered once confirmed.' })]));
  }
  $('#assign-token-with-user')!.addEventListener('click', async () => {
    options.replaceChildren(el('p', { class: 'hint', text: 'Loading…' }));
    showStep(assignDialog, 'pick');
    try {
      await fillPicker(target!);
      focusFirst(assignForm);
    } catch (err) {
      options.replaceChildren();
      showFormError(assignForm, err as FormError);
    }
  });
  /** The tokens a batch could not assign, each by name with the server's reason. */
  function showFailures(assigned: number, failed: { name: string; message: string }[]): void {
    const line = $('.form-error', assignForm)!;
    const head = (assigned ? assigned + ' assigned. ' : '') + (failed.length === 1 ? '1 token was not assigned:' : failed.length + ' tokens were not assigned:');
    line.replaceChildren(el('p', { text: head }), el('ul', null, failed.map((f) => el('li', { text: f.name + ': ' + f.message }))));
    line.hidden = false;
  }
  assignForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(assignForm, async () => {
      const boxes = $all<HTMLInputElement>('input[name="tokenId"]:checked', assignForm);
      if (!boxes.length) throw new ApiError(400, { message: 'Select at least one token with user.' });
      const failed: { name: string; message: string }[] = [];
      for (const box of boxes) {
        try {
          await api('POST', 'resources/' + seg(target!.id) + '/assignments', { tokenId: box.value });
        } catch (err) {
          // The label reads "<token> — <login>": the token's name is what the admin ticked.
          const label = (box.closest('label')!.textContent || '').trim();
          failed.push({ name: label, message: messageOf(err) });
        }
      }
      await list.reload();
      if (failed.length) {
        // What was assigned leaves the picker; the reasons stay on screen.
        await fillPicker(target!);
        showFailures(boxes.length - failed.length, failed);
        return;
      }
      assignDialog.close();
      notify(boxes.length + (boxes.length === 1 ? ' token with user' : ' tokens with users') + ' assigned to ' + target!.name + '.');
    });
  });

  setupImport('import-resources', () => list.reload());
  list.reload();
}
