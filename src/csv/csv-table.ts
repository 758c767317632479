import { CsvError, parse } from 'csv-parse/sync';
import { PayloadTooLargeError, ValidationError } from '../errors.js';

/**
 * A spreadsheet export as a table: a header row, then rows keyed by the header's names (lower
 * case, trimmed, so `User_ID` and `user_id` are one column). What spreadsheets really write is
 * accepted: quoted cells with embedded separators, quotes and newlines; a UTF-8 byte order mark;
 * `;` as the separator (European locales, where `,` is the decimal mark), told from the header
 * row. Every row keeps the line it starts on, so an error can name it.
 */
export interface CsvRow {
  /** 1-based line of the file where this row starts (a quoted newline makes a row span lines). */
  line: number;
  cells: Record<string, string>;
}

export interface CsvTable {
  columns: string[];
  rows: CsvRow[];
}

/** The separator the header row uses most, outside quotes: `;` or `,`. */
export function detectDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

function decode(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new ValidationError('The CSV file is not UTF-8 text (save it as "CSV UTF-8").');
  }
}

export function parseCsvTable(input: string | Uint8Array, opts: { maxRows: number }): CsvTable {
  // One line end: csv-parse guesses the record delimiter from the first one it meets, and with a
  // `\r` guess (old Mac exports, or trimming) the `\n` of a Windows line end would join the cell.
  const text = decode(input)
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n');
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      info: true,
      raw: true,
      record_delimiter: '\n',
      skip_empty_lines: true,
      trim: true,
      // One past the limit is enough to know it is too long, without parsing the rest.
      to: opts.maxRows + 2,
    }) as unknown as typeof records; // csv-parse's types do not follow `info`/`raw` to the record shape
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      const what = err.message.replace(/ (on|at) line \d+\.?$/, '').replace(/: the parsing is finished with/, ':');
      throw new ValidationError(`CSV line ${line}: ${what}`, { validationErrors: [`line ${line}: ${what}`] });
    }
    throw err;
  }
  const [header, ...body] = records;
  if (!header) throw new ValidationError('The CSV file is empty: it needs a header row.');
  const columns = header.record.map((c) => c.toLowerCase());
  columns.forEach((c, i) => {
    if (!c) throw new ValidationError(`CSV line 1: column ${i + 1} of the header has no name.`);
    if (columns.indexOf(c) !== i) throw new ValidationError(`CSV line 1: column "${c}" appears twice in the header.`);
  });
  if (body.length > opts.maxRows) {
    throw new PayloadTooLargeError(`A CSV file may have at most ${opts.maxRows} rows.`);
  }
  const rows = body.map(({ record, raw, info }) => {
    const cells: Record<string, string> = {};
    columns.forEach((c, i) => (cells[c] = record[i] ?? ''));
    // info.lines is where the row ends; a quoted newline inside it moves its start back. The raw
    // text also holds the blank lines skipped before it, and its own line end.
    const own = raw.replace(/^([ \t]*\n)+/, '').replace(/\n$/, '');
    const newlines = own.match(/\n/g)?.length ?? 0;
    return { line: info.lines - newlines, cells };
  });
  return { columns, rows };
}
