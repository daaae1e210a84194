import { CsvError, parse } from 'csv-parse/sync';
import { isProtectimusError, ProtectimusError, type AdminActions, type MailToken, type User } from '@protectimus-mail/core';
import { failureOf, invalidInput } from '@protectimus-mail/core/adapter';

/** The operations an import uses: an instance's own, or `pm.as(actor)`'s, which record who imported. */
type Directory = Pick<AdminActions, 'tokens' | 'users' | 'resources'>;

/** One CSV record: its cells and the line of the file it starts on (1-based). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Where the text stopped being CSV (an unclosed quote, text after a closing quote). */
export interface CsvSyntaxError {
  line: number;
  message: string;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;

/** `,`, unless the first line has more `;` than `,` outside quotes (as spreadsheets set to a decimal comma write). */
function delimiterOf(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  let started = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '\n' || ch === '\r') {
      // Blank lines before the first record do not count as its line.
      if (started) break;
      continue;
    } else if (ch === ',') commas++;
    else if (ch === ';') semicolons++;
    if (ch !== ' ' && ch !== '\t' && ch !== '\uFEFF') started = true;
  }
  return semicolons > commas ? ';' : ',';
}

/**
 * The 1-based line of each record start, from the byte offsets csv-parse reports at each record's
 * end (its own line count counts a CRLF inside quotes twice). Offsets only grow, so one pass.
 */
function lineCounter(bytes: Buffer): (recordStart: number) => number {
  let at = 0;
  let line = 1;
  return (recordStart) => {
    // The record begins at its first byte that is not blank: skipped blank lines and trimmed space come first.
    let start = recordStart;
    while (start < bytes.length && (bytes[start] === LF || bytes[start] === CR || bytes[start] === SPACE || bytes[start] === TAB)) start++;
    for (; at < start; at++) {
      if (bytes[at] === LF || (bytes[at] === CR && bytes[at + 1] !== LF)) line++;
    }
    return line;
  };
}

const SYNTAX: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is not closed',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'unexpected text after a quoted cell',
  CSV_INVALID_CLOSING_QUOTE: 'unexpected text after a quoted cell',
};

/**
 * Reads CSV as RFC 4180 writes it and spreadsheets export it: `,` or `;` between cells (whichever
 * the first line uses), `"quoted"` cells with `""` for a quote and line breaks inside, CRLF, LF or
 * CR, a UTF-8 BOM. Space around cells is trimmed. Blank lines (also lines of only delimiters) are
 * skipped. Stops at the first syntax error, returning the records before it and the line of the
 * record it could not read.
 */
export function parseCsv(text: string): { records: CsvRecord[]; error: CsvSyntaxError | null } {
  const bytes = Buffer.from(text, 'utf8');
  const lineAt = lineCounter(bytes);
  const records: CsvRecord[] = [];
  let end = 0;
  try {
    parse(bytes, {
      bom: true,
      delimiter: delimiterOf(text),
      record_delimiter: ['\r\n', '\n', '\r'],
      trim: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // Collected here rather than returned, so the records before a syntax error are kept.
      on_record: (record, info) => {
        const line = lineAt(end);
        const quoted = bytes.subarray(end, info.bytes).includes(QUOTE);
        end = info.bytes;
        // A quoted empty cell is a row (an error to report); a line of only delimiters is blank.
        if (quoted || record.some((c) => c !== '')) records.push({ line, cells: record });
        return null;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    return { records, error: { line: lineAt(end), message: SYNTAX[err.code] ?? err.message } };
  }
  return { records, error: null };
}

/** A row that was not imported. */
export interface ImportError {
  /** The file's line the row starts on (1-based, the header counted). */
  line: number;
  /** The stable code, as in API errors: `invalid_input`, `already_exists`, `not_found`, ... */
  error: string;
  message: string;
  field?: string;
}

/** What an import did: rows fully imported, and each refused row. */
export interface ImportResult {
  created: number;
  errors: ImportError[];
}

/** Rows per import and resource/token pairs per row: an admin's file, not a bulk load. */
export const MAX_ROWS = 5000;
export const MAX_PAIRS = 50;

interface Pair {
  resource: string;
  token: string;
}

/** What a row wrote so far, to take back if a later step of the row fails. */
interface Undo {
  userId: string | null;
  createdTokenIds: string[];
}

/** `login,email,...`: no real row looks like this, since "email" is not an address. */
function isHeader(cells: readonly string[]): boolean {
  return cells[0]?.toLowerCase() === 'login' && cells[1]?.toLowerCase() === 'email';
}

/**
 * Whether the header names a `locale` column after `secondName` (docs/design.md, "Languages"):
 * only a header can add it, so a file as Protectimus writes it reads as it always did.
 */
function hasLocaleColumn(header: readonly string[]): boolean {
  return header[4]?.trim().toLowerCase() === 'locale';
}

function pairsOf(rest: readonly string[]): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const resource = rest[i] ?? '';
    const token = rest[i + 1] ?? '';
    if (resource === '' && token === '') continue;
    if (token === '') throw invalidInput('tokenName', `resource "${resource}" has no token name after it`);
    pairs.push({ resource, token });
  }
  if (pairs.length > MAX_PAIRS) throw invalidInput('resourceName', `at most ${MAX_PAIRS} resource and token pairs per row`);
  return pairs;
}

/** The token of this exact name (case-insensitive, as names are unique), or null. */
async function tokenNamed(pm: Directory, name: string): Promise<MailToken | null> {
  // Longer names cannot exist; creating one then gives the model's own message.
  if (name.length > 50) return null;
  const wanted = name.toLowerCase();
  let cursor: string | null = null;
  do {
    const page = await pm.tokens.list({ q: name, limit: 200, cursor });
    const hit = page.items.find((t) => t.name.toLowerCase() === wanted);
    if (hit) return hit;
    cursor = page.next;
  } while (cursor !== null);
  return null;
}

/** Names the cell a step failed on in the model's message. */
function about(what: string, err: unknown): unknown {
  if (!isProtectimusError(err)) return err;
  return new ProtectimusError(err.code, `${what}: ${err.message}`, err.field !== undefined ? { field: err.field } : {});
}

async function importPair(pm: Directory, user: User, pair: Pair, undo: Undo): Promise<void> {
  let token: MailToken | null;
  try {
    token = await tokenNamed(pm, pair.token);
    if (!token) {
      // A new mail token for the row's address, owned by the new user.
      if (user.email === null) throw invalidInput('email', 'the token does not exist and the row has no email to create it with');
      token = await pm.users.createAndAssignToken(user.id, { name: pair.token, email: user.email });
      undo.createdTokenIds.push(token.id);
    } else if (token.userId !== user.id) {
      token = await pm.users.assignToken(user.id, token.id);
    }
  } catch (err) {
    throw about(`token "${pair.token}"`, err);
  }
  if (pair.resource === '') return;
  try {
    await pm.resources.assignTokenWithUser(pair.resource, token.id);
  } catch (err) {
    throw about(`resource "${pair.resource}"`, err);
  }
}

/**
 * Takes a failed row back with the model's own operations: removing the user ends its tokens'
 * ownership and assignments, then the tokens the row created go. Returns what could not be undone.
 */
async function rollback(pm: Directory, undo: Undo): Promise<string[]> {
  const left: string[] = [];
  if (undo.userId !== null) await pm.users.remove(undo.userId).catch(() => left.push(`user ${undo.userId}`));
  for (const id of undo.createdTokenIds) await pm.tokens.remove(id).catch(() => left.push(`token ${id}`));
  return left;
}

/** One row, all or nothing: the user, a mail token per unknown token name, the assignments. */
async function importRow(pm: Directory, cells: readonly string[], withLocale: boolean): Promise<void> {
  const [login = '', email = '', firstName = '', secondName = '', ...more] = cells;
  const locale = withLocale ? (more[0] ?? '') : '';
  const pairs = pairsOf(withLocale ? more.slice(1) : more);
  const undo: Undo = { userId: null, createdTokenIds: [] };
  try {
    const user = await pm.users.create({ login, email: email || null, firstName: firstName || null, secondName: secondName || null, locale: locale.trim() || null });
    undo.userId = user.id;
    for (const pair of pairs) await importPair(pm, user, pair, undo);
  } catch (err) {
    const left = await rollback(pm, undo);
    if (left.length === 0 || !isProtectimusError(err)) throw err;
    throw new ProtectimusError(err.code, `${err.message}; undoing the row failed, left behind: ${left.join(', ')}`);
  }
}

/** A refused row as the import reports it, by the stable code of the API. */
function rowError(line: number, err: unknown): ImportError {
  const f = failureOf(err, 'admin');
  return { line, error: f.error, message: f.message ?? '', ...(f.field !== undefined ? { field: f.field } : {}) };
}

/**
 * Imports users from CSV as Protectimus does: `login,email,firstName,secondName,resourceName1,
 * tokenName1,resourceName2,tokenName2,...`, an optional header line first. A header
 * `login,email,firstName,secondName,locale,...` adds the user's mail language (a BCP 47 tag, or
 * empty for the page's) as the fifth column. Each row creates the
 * user; for each pair, the named token (a new mail token for the row's email when no token has
 * that name, else the existing one, which must be unowned or already this user's) is given to the
 * user and assigned on the named resource (which must exist). A row is kept whole or not at all;
 * a refused row is reported by line and the next row goes on. A store that stops answering stops
 * the import there.
 */
export async function importUsers(pm: Directory, csv: string): Promise<ImportResult> {
  const { records, error } = parseCsv(csv);
  const header = records[0] && isHeader(records[0].cells) ? records[0].cells : null;
  const withLocale = header !== null && hasLocaleColumn(header);
  const rows: CsvRecord[] = header !== null ? records.slice(1) : records;
  if (rows.length > MAX_ROWS) throw invalidInput('csv', `at most ${MAX_ROWS} rows per import`);
  const result: ImportResult = { created: 0, errors: [] };
  await eachRow(rows, error, result.errors, async (row) => {
    await importRow(pm, row.cells, withLocale);
    result.created++;
  });
  return result;
}

/**
 * Runs `importOne` on each row in turn, a refused row recorded by its line in `errors`; the store
 * unreachable stops the import at that row (the next line is said to be where it stopped), and a
 * syntax error in the file is recorded last, as where reading stopped. Shared by every CSV import.
 */
export async function eachRow(rows: readonly CsvRecord[], syntax: CsvSyntaxError | null | undefined, errors: ImportError[], importOne: (row: CsvRecord) => Promise<void>): Promise<void> {
  for (const [i, row] of rows.entries()) {
    try {
      await importOne(row);
    } catch (err) {
      errors.push(rowError(row.line, err));
      if (isProtectimusError(err, 'STORE_UNAVAILABLE')) {
        const nextRow = rows[i + 1];
        if (nextRow) errors.push({ line: nextRow.line, error: 'unavailable', message: 'the import stopped here: the store is unreachable' });
        return;
      }
    }
  }
  if (syntax) errors.push({ line: syntax.line, error: 'invalid_input', message: `${syntax.message}; the file was not read past this line` });
}
