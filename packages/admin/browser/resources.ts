/* The Resources page: list with each one's tokens with users, add/edit, "Assign -> Token with User", unassign, delete. */

/** A resource as the API shows it. */
interface ResourceView {
  id: string;
  name: string;
  failedAttemptsBeforeLock: number;
  lockMinutes: number;
  allowedIps: string[];
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
      { label: 'Lock after', cell: (r) => r.failedAttemptsBeforeLock + ' failed attempts' },
      { label: 'Lock for', cell: (r) => r.lockMinutes + ' min' },
      { label: 'Allowed IPs', cell: (r) => (r.allowedIps.length ? r.allowedIps.join(', ') : 'Any') },
      { label: 'Tokens with users', cell: assignedCell },
      { label: 'Actions', cell: (r) => {
        return rowActions([
          button('Assign', { key: 'assign:' + r.id, aria: 'Assign to ' + r.name, onClick: (e) => openAssign(r, e.currentTarget as Element) }),
          button('Edit', { key: 'edit:' + r.id, aria: 'Edit resource ' + r.name, onClick: (e) => editResource(r, e.currentTarget as Element) }),
          button('Delete', { key: 'delete:' + r.id, aria: 'Delete resource ' + r.name, onClick: (e) => {
            confirmThen('Delete the resource ' + r.name + '? Its assignments end, and its guard lets nobody through.', 'Delete', e.currentTarget as Element, async () => {
              await api('DELETE', 'resources/' + seg(r.id));
              notify('Resource ' + r.name + ' deleted.');
              await list.reload();
            });
          } }),
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
    field(resourceForm, 'failedAttemptsBeforeLock').value = String(r.failedAttemptsBeforeLock);
    field(resourceForm, 'lockMinutes').value = String(r.lockMinutes);
    field<HTMLTextAreaElement>(resourceForm, 'allowedIps').value = r.allowedIps.join('\n');
  }
  $('#add-resource')!.addEventListener('click', (e) => editResource(null, e.currentTarget as Element));
  resourceForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(resourceForm, async () => {
      const body = {
        name: field(resourceForm, 'name').value,
        failedAttemptsBeforeLock: Number(field(resourceForm, 'failedAttemptsBeforeLock').value),
        lockMinutes: Number(field(resourceForm, 'lockMinutes').value),
        allowedIps: field<HTMLTextAreaElement>(resourceForm, 'allowedIps').value.split(/[\s,]+/).filter(Boolean),
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
  $('#assign-token-with-user')!.addEventListener('click', async () => {
    options.replaceChildren(el('p', { class: 'hint', text: 'Loading…' }));
    showStep(assignDialog, 'pick');
    try {
      const taken = (assignments[target!.id] || []).map((a) => a.tokenId);
      const page = await api<ApiPage<TokenView>>('GET', 'tokens' + qs({ owner: 'any', limit: 200 }));
      const free = page.items.filter((t) => taken.indexOf(t.id) < 0);
      options.replaceChildren(...(free.length ? free.map((t) => {
        return el('label', { class: 'choice' }, [el('input', { type: 'checkbox', name: 'tokenId', value: t.id }), ' ' + t.name + ' — ' + (t.userLogin || '?')]);
      }) : [el('p', { class: 'hint', text: 'No token with a user is left to assign here. Give tokens to users on the Users page first.' })]));
      focusFirst(assignForm);
    } catch (err) {
      options.replaceChildren();
      showFormError(assignForm, err as FormError);
    }
  });
  assignForm.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(assignForm, async () => {
      const ids = $all<HTMLInputElement>('input[name="tokenId"]:checked', assignForm).map((box) => box.value);
      if (!ids.length) throw new ApiError(400, { message: 'Select at least one token with user.' });
      const failed: string[] = [];
      for (const id of ids) {
        try {
          await api('POST', 'resources/' + seg(target!.id) + '/assignments', { tokenId: id });
        } catch (err) {
          failed.push(messageOf(err));
        }
      }
      await list.reload();
      if (failed.length) throw new ApiError(409, { message: (ids.length - failed.length) + ' assigned; not assigned: ' + failed.join('; ') });
      assignDialog.close();
      notify(ids.length + (ids.length === 1 ? ' token with user' : ' tokens with users') + ' assigned to ' + target!.name + '.');
    });
  });

  list.reload();
}
