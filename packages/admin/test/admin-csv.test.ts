import type { Protectimus } from '@protectimus-mail/core';
import { STORE_KINDS, startWorld, type World } from '../../core/test/support/protectimus';
import { importUsers, parseCsv } from '../src/import';

describe('admin CSV reading', () => {
  it('reads plain, quoted and padded cells, CRLF or LF, with a BOM', () => {
    const { records, error } = parseCsv('\uFEFFa, b ,"c, d"\r\n"say ""hi""",, x \n');
    expect(error).toBeNull();
    expect(records).toEqual([
      { line: 1, cells: ['a', 'b', 'c, d'] },
      { line: 2, cells: ['say "hi"', '', 'x'] },
    ]);
  });

  it('numbers records by the line they start on, across quoted line breaks and blank lines', () => {
    const { records } = parseCsv('one\n\n"two\nlines",2\n,,,\nthree\rfour');
    expect(records.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, 'one'],
      [3, 'two\nlines'],
      [6, 'three'],
      [7, 'four'],
    ]);
    // A CRLF inside a quoted cell is one line break, like the one ending the record.
    const crlf = parseCsv('x,"a\r\nb"\r\n\r\n  c\r\nd');
    expect(crlf.records.map((r) => [r.line, r.cells])).toEqual([
      [1, ['x', 'a\r\nb']],
      [4, ['c']],
      [5, ['d']],
    ]);
  });

  it('keeps a quoted empty cell as a record, skips lines of nothing', () => {
    expect(parseCsv('""\n\n   \n').records).toEqual([{ line: 1, cells: [''] }]);
    expect(parseCsv('').records).toEqual([]);
    expect(parseCsv('\uFEFF').records).toEqual([]);
  });

  it('keeps a quote inside an unquoted cell as text', () => {
    expect(parseCsv('ab"c,d').records).toEqual([{ line: 1, cells: ['ab"c', 'd'] }]);
  });

  it('reads `;` between cells when the first line uses it, quoted cells keeping either delimiter', () => {
    const { records, error } = parseCsv('\n login;email;firstName\r\nann;ann@example.com;"Ann; Jr., PhD"\r\n;;\r\nbob;bob@example.com;Bob, Lee\r\n');
    expect(error).toBeNull();
    expect(records).toEqual([
      { line: 2, cells: ['login', 'email', 'firstName'] },
      { line: 3, cells: ['ann', 'ann@example.com', 'Ann; Jr., PhD'] },
      { line: 5, cells: ['bob', 'bob@example.com', 'Bob, Lee'] },
    ]);
    expect(parseCsv('\uFEFFa;b\n1;2').records).toEqual([{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['1', '2'] }]);
    // A `;` inside quotes or outnumbered by `,` on the first line leaves `,` the delimiter.
    expect(parseCsv('"a;b;c",d\n1;2,3').records).toEqual([{ line: 1, cells: ['a;b;c', 'd'] }, { line: 2, cells: ['1;2', '3'] }]);
    expect(parseCsv('a;b,c,d').records).toEqual([{ line: 1, cells: ['a;b', 'c', 'd'] }]);
  });

  it('stops at an unclosed quote or text after a quote, with the records before it and the line the bad record starts on', () => {
    expect(parseCsv('a,b\n"open,c\nd,e')).toEqual({ records: [{ line: 1, cells: ['a', 'b'] }], error: { line: 2, message: 'a quoted cell is not closed' } });
    expect(parseCsv('a\n"x"y,z')).toEqual({ records: [{ line: 1, cells: ['a'] }], error: { line: 2, message: 'unexpected text after a quoted cell' } });
    expect(parseCsv('a;b\r\n\r\n"two\r\nlines";"x"y')).toEqual({ records: [{ line: 1, cells: ['a', 'b'] }], error: { line: 3, message: 'unexpected text after a quoted cell' } });
  });
});

describe.each(STORE_KINDS)('admin CSV import with `;` on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());

  it('imports a `;` file as a `,` one, refused rows and a syntax error reported by the line they start on', async () => {
    const tag = `semi${Math.random().toString(36).slice(2, 8)}`;
    await pm.resources.create({ name: `${tag}-res` });
    const csv = [
      '\uFEFFlogin;email;firstName;secondName;resourceName1;tokenName1',
      `${tag}-ann;${tag}.ann@example.com;"Ann; Jr.";Lee;${tag}-res;${tag} ann`,
      '',
      `${tag}-bob;${tag}.bob@example.com;"Bob`,
      `Two lines";;${tag}-res;${tag} bob`,
      `${tag}-cat;${tag}.cat@example.com;Cat;;${tag}-nowhere;${tag} cat`,
      `${tag}-dan;${tag}.dan@example.com;Dan,Dee`,
      `${tag}-eve;"open`,
    ].join('\r\n');
    const result = await importUsers(pm, csv);
    expect(result.created).toBe(2);
    expect(result.errors.map((e) => [e.line, e.error])).toEqual([
      [4, 'invalid_input'],
      [6, 'not_found'],
      [8, 'invalid_input'],
    ]);
    expect(result.errors[2]?.message).toBe('a quoted cell is not closed; the file was not read past this line');
    const users = (await pm.users.list({ q: tag, limit: 50 })).items.map((u) => [u.login, u.firstName]).sort();
    expect(users).toEqual([[`${tag}-ann`, 'Ann; Jr.'], [`${tag}-dan`, 'Dan,Dee']]);
  });
});

describe.each(STORE_KINDS)('admin CSV import of the locale column on %s store', (kind) => {
  let world: World;
  let pm: Protectimus;
  beforeAll(async () => {
    world = await startWorld(kind);
    pm = world.make();
  });
  afterAll(() => world.close());

  it('reads `locale` after secondName when the header names it, checks it, and keeps each row whole', async () => {
    const tag = `loc${Math.random().toString(36).slice(2, 8)}`;
    await pm.resources.create({ name: `${tag}-res` });
    const csv = [
      'login,email,firstName,secondName,locale,resourceName1,tokenName1',
      `${tag}-olena,${tag}.olena@example.com,Олена,Коваль,uk-ua,${tag}-res,${tag} olena`,
      `${tag}-jan,${tag}.jan@example.com,Jan,,,${tag}-res,${tag} jan`,
      `${tag}-bad,${tag}.bad@example.com,Bad,,not a tag,${tag}-res,${tag} bad`,
    ].join('\n');
    const result = await importUsers(pm, csv);
    expect(result.created).toBe(2);
    expect(result.errors).toEqual([{ line: 4, error: 'invalid_input', field: 'locale', message: expect.stringMatching(/locale must be a BCP 47 language tag/) }]);
    const users = (await pm.users.list({ q: tag, limit: 50 })).items.map((u) => [u.login, u.locale]).sort();
    expect(users).toEqual([[`${tag}-jan`, null], [`${tag}-olena`, 'uk-UA']]);
    // The pair after the locale column was read as a pair: the token is made and assigned.
    const olena = (await pm.users.list({ q: `${tag}-olena` })).items[0];
    expect((await pm.users.tokensOf(olena?.id ?? '')).map((t) => t.name)).toEqual([`${tag} olena`]);
    // The refused row left nothing behind.
    expect((await pm.tokens.list({ q: `${tag} bad` })).items).toEqual([]);
  });

  it('reads a file as Protectimus writes it (no header, or one without locale) with no locale column', async () => {
    const tag = `plain${Math.random().toString(36).slice(2, 8)}`;
    await pm.resources.create({ name: `${tag}-res` });
    const result = await importUsers(pm, `${tag}-kim,${tag}.kim@example.com,Kim,Park,${tag}-res,${tag} kim\n`);
    expect(result).toEqual({ created: 1, errors: [] });
    const kim = (await pm.users.list({ q: `${tag}-kim` })).items[0];
    expect(kim?.locale).toBeNull();
    expect((await pm.users.tokensOf(kim?.id ?? '')).map((t) => t.name)).toEqual([`${tag} kim`]);
  });
});
