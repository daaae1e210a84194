/* The Import CSV dialog of the Users and Resources pages: users or resources, told apart by the server from the file's header. */

/** What `POST import` did, by the kind of file; each refused row by the line of the file it starts on. */
interface ImportAnswer {
  kind: 'users' | 'resources';
  created: number;
  updated?: number;
  errors: { line: number; error: string; message: string }[];
}

function plural(n: number, one: string, many: string): string {
  return n + ' ' + (n === 1 ? one : many);
}

/** Opens the dialog from `#<openerId>`, imports a file or pasted rows, lists what was refused, then reloads the page's list. */
function setupImport(openerId: string, reload: () => Promise<void>): void {
  const dialog = $<HTMLDialogElement>('#dlg-import')!;
  const form = $<HTMLFormElement>('#form-import')!;
  const result = $('#import-result')!;
  $('#' + openerId)!.addEventListener('click', (e) => {
    openDialog(dialog, e.currentTarget as Element);
    result.replaceChildren();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const file = $<HTMLInputElement>('#import-file')!.files![0];
      const text = file ? await file.text() : $<HTMLTextAreaElement>('#import-text')!.value;
      if (!text.trim()) throw new ApiError(400, { message: 'Choose a CSV file or paste the rows.', field: 'csv' });
      result.replaceChildren();
      const answer = await api<ImportAnswer>('POST', 'import', text, 'text/csv');
      const done = answer.kind === 'resources'
        ? 'Resources: ' + answer.created + ' created, ' + (answer.updated || 0) + ' updated.'
        : 'Imported ' + plural(answer.created, 'user', 'users') + '.';
      const parts: Node[] = [el('p', { text: done })];
      if (answer.errors.length) {
        parts.push(el('p', { class: 'alert', text: (answer.errors.length === 1 ? '1 row was' : answer.errors.length + ' rows were') + ' not imported:' }));
        parts.push(el('ul', null, answer.errors.map((e) => el('li', { text: 'Line ' + e.line + ': ' + e.message }))));
      }
      result.replaceChildren(...parts);
      await reload();
    });
  });
}
