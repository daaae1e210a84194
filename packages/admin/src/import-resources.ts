import { isProtectimusError, parseSchedule, ProtectimusError, type AdminActions, type UpdateResourceInput } from '@protectimus-mail/core';
import { invalidInput } from '@protectimus-mail/core/adapter';
import { eachRow, importUsers, MAX_ROWS, parseCsv, type CsvRecord, type ImportError, type ImportResult } from './import';

/** The operations an import uses: an instance's own, or `pm.as(actor)`'s, which record who imported. */
type Directory = Pick<AdminActions, 'tokens' | 'users' | 'resources'>;

/** What a resources import did: resources created, resources updated, and each refused row. */
export interface ResourceImportResult {
  created: number;
  updated: number;
  errors: ImportError[];
}

/** What `importCsv` did, by the kind of file it found (docs/design.md, "CSV import"). */
export type CsvImportResult = ({ kind: 'users' } & ImportResult) | ({ kind: 'resources' } & ResourceImportResult);

type Setting = keyof UpdateResourceInput;

/**
 * The columns of a resources CSV, by the name a refusal reports (`field`), and the setting each
 * fills. A header cell matches one ignoring case, spaces, `_` and `-`, so `lockMinutes` and
 * `Lock minutes` are `lock_minutes` too.
 */
const COLUMNS: Readonly<Record<string, Setting>> = {
  resource: 'name',
  name: 'name',
  display_name: 'displayName',
  failed_attempts_before_lock: 'failedAttemptsBeforeLock',
  lock_minutes: 'lockMinutes',
  allowed_ips: 'allowedIps',
  enrollment: 'enrollment',
  schedule: 'schedule',
};

const squash = (text: string): string => text.toLowerCase().replace(/[\s_-]+/g, '');
const BY_SQUASHED = new Map(Object.keys(COLUMNS).map((column) => [squash(column), column]));

/**
 * A resources CSV starts with its header: first cell `resource` or `name`, and no `@` (a users
 * row with an email has one). A headerless users file whose first user is `resource` or `name`
 * with no email is taken for one (docs/design.md, "CSV import of resources").
 */
export function isResourcesHeader(cells: readonly string[]): boolean {
  const first = squash(cells[0] ?? '');
  return (first === 'resource' || first === 'name') && !cells.some((c) => c.includes('@'));
}

/** The column of each cell of the header (null for an empty header cell), or a refusal of the file. */
function columnsOf(header: CsvRecord): (string | null)[] {
  const seen = new Map<Setting, string>();
  return header.cells.map((cell) => {
    if (cell === '') return null;
    const column = BY_SQUASHED.get(squash(cell));
    if (column === undefined) {
      throw invalidInput('csv', `line ${header.line}: unknown column "${cell.slice(0, 40)}"; the columns are resource (or name), ${Object.keys(COLUMNS).slice(2).join(', ')}`);
    }
    const setting = COLUMNS[column] as Setting;
    const twice = seen.get(setting);
    if (twice !== undefined) throw invalidInput('csv', `line ${header.line}: the columns "${twice}" and "${cell.slice(0, 40)}" are the same column`);
    seen.set(setting, cell);
    return column;
  });
}

/** A whole number cell; the model checks its range. */
function wholeNumber(column: string, cell: string): number {
  if (!/^\d{1,7}$/.test(cell)) throw invalidInput(column, `${column} must be a whole number, not "${cell.slice(0, 20)}"`);
  return Number(cell);
}

/** One row's settings: its cells by column; an empty cell sets nothing (the default, or what is stored). */
function settingsOf(columns: readonly (string | null)[], cells: readonly string[]): { name: string; patch: UpdateResourceInput } {
  let name = '';
  const patch: UpdateResourceInput = {};
  for (const [i, cell] of cells.entries()) {
    if (cell === '') continue;
    const column = columns[i];
    if (column === undefined || column === null) throw invalidInput('csv', `the cell "${cell.slice(0, 40)}" is under no column of the header`);
    switch (COLUMNS[column]) {
      case 'name':
        name = cell;
        break;
      case 'displayName':
        // `none` removes a display name, since an empty cell leaves it as it is.
        patch.displayName = cell.toLowerCase() === 'none' ? null : cell;
        break;
      case 'failedAttemptsBeforeLock':
        patch.failedAttemptsBeforeLock = wholeNumber(column, cell);
        break;
      case 'lockMinutes':
        patch.lockMinutes = wholeNumber(column, cell);
        break;
      case 'allowedIps':
        // `any` empties the list, since an empty cell leaves it as it is.
        patch.allowedIps = cell.toLowerCase() === 'any' ? [] : cell.split(/[\s,]+/).filter((ip) => ip !== '');
        break;
      case 'enrollment':
        patch.enrollment = cell.toLowerCase() as 'allowed' | 'off';
        break;
      case 'schedule':
        // The compact form of core's schedule.ts; `none` removes a time window.
        patch.schedule = parseSchedule(cell);
        break;
    }
  }
  const nameColumn = columns.find((c) => c !== null && COLUMNS[c] === 'name') ?? 'resource';
  if (name === '') throw invalidInput(nameColumn, `the row names no resource (column ${nameColumn})`);
  return { name, patch };
}

/** The model's refusal, its field named as the file's column and its message naming the resource. */
function asColumn(columns: readonly (string | null)[], name: string, err: unknown): unknown {
  if (!isProtectimusError(err)) return err;
  const column = err.field === undefined ? undefined : columns.find((c) => c !== null && COLUMNS[c] === err.field);
  const field = column ?? err.field;
  return new ProtectimusError(err.code, `resource "${name.slice(0, 50)}": ${err.message}`, field !== undefined ? { field } : {});
}

/** One row: creates the resource it names, or updates it. One store transaction, so whole or not at all. */
async function importRow(pm: Directory, columns: readonly (string | null)[], cells: readonly string[]): Promise<'created' | 'updated'> {
  const { name, patch } = settingsOf(columns, cells);
  try {
    // A name longer than any id or name cannot exist; creating it then gives the model's own message.
    const existing = name.length > 64 ? null : await pm.resources.get(name).catch((err: unknown) => {
      if (isProtectimusError(err, 'NOT_FOUND')) return null;
      throw err;
    });
    if (existing === null) {
      await pm.resources.create({ name, ...patch });
      return 'created';
    }
    await pm.resources.update(existing.id, patch);
    return 'updated';
  } catch (err) {
    throw asColumn(columns, name, err);
  }
}

/**
 * Imports resources from CSV (docs/design.md, "CSV import"): a header line naming the columns
 * (`resource` or `name` first, then any of `display_name`, `failed_attempts_before_lock`, `lock_minutes`,
 * `allowed_ips`, `enrollment`, `schedule` in any order), then one resource per row. A resource
 * that does not exist is created with the row's settings and the defaults for its empty cells; one
 * that exists is updated, its empty cells leaving what is stored. `schedule` takes the compact form
 * of `parseSchedule` (`Europe/Kyiv mon-fri 08:00-19:00; sat 10:00-14:00`, `none` to remove);
 * `allowed_ips` addresses or CIDRs between spaces or commas (`any` to empty it). A refused row is
 * reported by line and changes nothing; the next row goes on. An unknown column refuses the whole
 * file (`invalid_input`, field `csv`) before any row is read. A store that stops answering stops
 * the import there.
 */
export async function importResources(pm: Directory, csv: string): Promise<ResourceImportResult> {
  const { records, error } = parseCsv(csv);
  const [header, ...rows] = records;
  if (!header || !isResourcesHeader(header.cells)) throw invalidInput('csv', 'a resources CSV starts with its header line, such as resource,lock_minutes,schedule');
  const columns = columnsOf(header);
  if (rows.length > MAX_ROWS) throw invalidInput('csv', `at most ${MAX_ROWS} rows per import`);
  const result: ResourceImportResult = { created: 0, updated: 0, errors: [] };
  await eachRow(rows, error, result.errors, async (row) => {
    result[await importRow(pm, columns, row.cells)]++;
  });
  return result;
}

/**
 * The one CSV import of the panel, `POST import` and the command line's `import`: a file whose
 * first line is a resources header (`resource,...` or `name,...`) imports resources
 * (`importResources`), any other users (`importUsers`). The answer says which.
 */
export async function importCsv(pm: Directory, csv: string): Promise<CsvImportResult> {
  const first = parseCsv(csv).records[0];
  if (first && isResourcesHeader(first.cells)) return { kind: 'resources', ...(await importResources(pm, csv)) };
  return { kind: 'users', ...(await importUsers(pm, csv)) };
}
