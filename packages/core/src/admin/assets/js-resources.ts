/** The Resources page: list with each one's tokens with users, add/edit, "Assign -> Token with User", unassign, delete. */
export const JS_RESOURCES = String.raw`
function resourcesPage() {
  var confirmThen = setupConfirm();
  var assignments = {};
  var list = listController({ path: 'resources', empty: 'No resources yet. Add Resource creates one.', render: render, prepare: loadAssignments });

  async function loadAssignments(items) {
    await Promise.all(items.map(async function (r) {
      assignments[r.id] = (await api('GET', 'resources/' + seg(r.id) + '/assignments')).items;
    }));
  }

  function assignedCell(r) {
    var items = assignments[r.id] || [];
    if (!items.length) return el('span', { class: 'muted', text: 'None' });
    return el('ul', { class: 'inline-list' }, items.map(function (a) {
      return el('li', null, [
        el('span', { text: a.tokenName + ' — ' + a.login }),
        button('Unassign', { key: 'unassign:' + r.id + ':' + a.tokenId, aria: 'Unassign ' + a.tokenName + ' of ' + a.login + ' from ' + r.name, onClick: function (e) {
          confirmThen('Unassign the token "' + a.tokenName + '" of ' + a.login + ' from ' + r.name + '? ' + a.login + ' can no longer pass there.', 'Unassign', e.currentTarget, async function () {
            await api('DELETE', 'resources/' + seg(r.id) + '/assignments/' + seg(a.tokenId));
            notify('Unassigned from ' + r.name + '.');
            await list.reload();
          });
        } })
      ]);
    }));
  }

  function render(items) {
    return table('Resources', [
      { label: 'Resource Name', cls: 'cell-name', cell: function (r) { return r.name; } },
      { label: 'Lock after', cell: function (r) { return r.failedAttemptsBeforeLock + ' failed attempts'; } },
      { label: 'Lock for', cell: function (r) { return r.lockMinutes + ' min'; } },
      { label: 'Allowed IPs', cell: function (r) { return r.allowedIps.length ? r.allowedIps.join(', ') : 'Any'; } },
      { label: 'Tokens with users', cell: assignedCell },
      { label: 'Actions', cell: function (r) {
        return rowActions([
          button('Assign', { key: 'assign:' + r.id, aria: 'Assign to ' + r.name, onClick: function (e) { openAssign(r, e.currentTarget); } }),
          button('Edit', { key: 'edit:' + r.id, aria: 'Edit resource ' + r.name, onClick: function (e) { editResource(r, e.currentTarget); } }),
          button('Delete', { key: 'delete:' + r.id, aria: 'Delete resource ' + r.name, onClick: function (e) {
            confirmThen('Delete the resource ' + r.name + '? Its assignments end, and its guard lets nobody through.', 'Delete', e.currentTarget, async function () {
              await api('DELETE', 'resources/' + seg(r.id));
              notify('Resource ' + r.name + ' deleted.');
              await list.reload();
            });
          } })
        ]);
      } }
    ], items);
  }

  var resourceDialog = $('#dlg-resource');
  var resourceForm = $('#form-resource');
  var editing = null;
  function editResource(r, from) {
    editing = r;
    openDialog(resourceDialog, from);
    $('#dlg-resource-title').textContent = r ? 'Edit resource' : 'Add Resource';
    if (!r) return;
    field(resourceForm, 'name').value = r.name;
    field(resourceForm, 'failedAttemptsBeforeLock').value = r.failedAttemptsBeforeLock;
    field(resourceForm, 'lockMinutes').value = r.lockMinutes;
    field(resourceForm, 'allowedIps').value = r.allowedIps.join('\n');
  }
  $('#add-resource').addEventListener('click', function (e) { editResource(null, e.currentTarget); });
  resourceForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(resourceForm, async function () {
      var body = {
        name: field(resourceForm, 'name').value,
        failedAttemptsBeforeLock: Number(field(resourceForm, 'failedAttemptsBeforeLock').value),
        lockMinutes: Number(field(resourceForm, 'lockMinutes').value),
        allowedIps: field(resourceForm, 'allowedIps').value.split(/[\s,]+/).filter(Boolean)
      };
      var r = editing ? await api('PATCH', 'resources/' + seg(editing.id), body) : await api('POST', 'resources', body);
      resourceDialog.close();
      notify('Resource ' + r.name + (editing ? ' saved.' : ' created. Assign gives it tokens with users.'));
      await list.reload();
    });
  });

  /* Assign -> Token with User -> tick the tokens with users -> Assign. */
  var assignDialog = $('#dlg-assign');
  var assignForm = $('#form-assign');
  var options = $('#assign-options');
  var target = null;
  function openAssign(r, from) {
    target = r;
    openDialog(assignDialog, from);
    $('#assign-to').textContent = 'Resource ' + r.name;
  }
  $('#assign-token-with-user').addEventListener('click', async function () {
    options.replaceChildren(el('p', { class: 'hint', text: 'Loading…' }));
    showStep(assignDialog, 'pick');
    try {
      var taken = (assignments[target.id] || []).map(function (a) { return a.tokenId; });
      var page = await api('GET', 'tokens' + qs({ owner: 'any', limit: 200 }));
      var free = page.items.filter(function (t) { return taken.indexOf(t.id) < 0; });
      options.replaceChildren.apply(options, free.length ? free.map(function (t) {
        return el('label', { class: 'choice' }, [el('input', { type: 'checkbox', name: 'tokenId', value: t.id }), ' ' + t.name + ' — ' + (t.userLogin || '?')]);
      }) : [el('p', { class: 'hint', text: 'No token with a user is left to assign here. Give tokens to users on the Users page first.' })]);
      focusFirst(assignForm);
    } catch (err) {
      options.replaceChildren();
      showFormError(assignForm, err);
    }
  });
  assignForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitting(assignForm, async function () {
      var ids = $all('input[name="tokenId"]:checked', assignForm).map(function (box) { return box.value; });
      if (!ids.length) throw new ApiError(400, { message: 'Select at least one token with user.' });
      var failed = [];
      for (var i = 0; i < ids.length; i++) {
        try { await api('POST', 'resources/' + seg(target.id) + '/assignments', { tokenId: ids[i] }); } catch (err) { failed.push(err.message); }
      }
      await list.reload();
      if (failed.length) throw new ApiError(409, { message: (ids.length - failed.length) + ' assigned; not assigned: ' + failed.join('; ') });
      assignDialog.close();
      notify(ids.length + (ids.length === 1 ? ' token with user' : ' tokens with users') + ' assigned to ' + target.name + '.');
    });
  });

  list.reload();
}
`;
