import { parseCsv } from '../src/admin/csv';

describe('admin CSV parsing', () => {
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
  });

  it('keeps a quoted empty cell as a record, skips lines of nothing', () => {
    expect(parseCsv('""\n\n   \n').records).toEqual([{ line: 1, cells: [''] }]);
    expect(parseCsv('').records).toEqual([]);
  });

  it('stops at an unclosed quote or text after a quote, with the records before it', () => {
    expect(parseCsv('a,b\n"open,c\nd,e')).toEqual({ records: [{ line: 1, cells: ['a', 'b'] }], error: { line: 2, message: 'a quoted cell is not closed' } });
    expect(parseCsv('a\n"x"y,z')).toEqual({ records: [{ line: 1, cells: ['a'] }], error: { line: 2, message: 'unexpected text after a quoted cell' } });
  });
});
