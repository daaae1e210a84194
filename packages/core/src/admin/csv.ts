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

/**
 * Parses CSV as RFC 4180 writes it and spreadsheets export it: commas, `"quoted"` cells with
 * `""` for a quote and line breaks inside, CRLF or LF, a UTF-8 BOM. Unquoted cells are trimmed.
 * Blank lines (also lines of only commas) are skipped. Stops at the first syntax error, returning the records before it.
 */
export function parseCsv(text: string): { records: CsvRecord[]; error: CsvSyntaxError | null } {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    const cells: string[] = [];
    let quotedAny = false;
    for (;;) {
      // One cell.
      while (src[i] === ' ' || src[i] === '\t') i++;
      let cell = '';
      if (src[i] === '"') {
        quotedAny = true;
        i++;
        for (;;) {
          if (i >= src.length) return { records, error: { line: start, message: 'a quoted cell is not closed' } };
          const ch = src[i] as string;
          if (ch === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        while (src[i] === ' ' || src[i] === '\t') i++;
        if (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          return { records, error: { line, message: 'unexpected text after a quoted cell' } };
        }
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') cell += src[i++];
        cell = cell.trim();
      }
      cells.push(cell);
      if (src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // End of record: CRLF, LF, a lone CR, or the end of the text.
    if (src[i] === '\r') i++;
    if (src[i] === '\n') i++;
    line++;
    // A line of nothing or only commas (spreadsheets pad with them) is blank.
    if (quotedAny || cells.some((c) => c !== '')) records.push({ line: start, cells });
  }
  return { records, error: null };
}
