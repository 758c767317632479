import { ValidationError } from '../errors.js';
import { parseCsvTable } from '../csv/csv-table.js';
import { isEmail, MAX_BULK_USERS } from './bulk-plan.js';

/**
 * The recipients of a bulk issue from a spreadsheet: header `user_id,email,name,<custom fields…>`
 * (any case, any order; `username` for `user_id`), one recipient a row, empty cells left out. The
 * rows become the same recipient objects a JSON bulk takes, custom columns becoming the award's
 * merge fields. A file is fixed and uploaded again as a whole, so rows that cannot be a recipient
 * refuse the file, each named by its line (at most MAX_REPORTED of them).
 */
const MAX_REPORTED = 20;
const ALIASES: Record<string, string> = { username: 'user_id', 'e-mail': 'email', mail: 'email' };

export function parseCsvRecipients(input: string | Uint8Array): Record<string, string>[] {
  const table = parseCsvTable(input, { maxRows: MAX_BULK_USERS });
  const columns = table.columns.map((c) => ALIASES[c] ?? c);
  if (!columns.includes('user_id') && !columns.includes('email')) {
    throw new ValidationError('CSV line 1: the header must name a user_id or an email column (user_id,email,name,…).');
  }
  if (new Set(columns).size !== columns.length) {
    throw new ValidationError('CSV line 1: the header names the same column twice (user_id and username?).');
  }
  const errors: string[] = [];
  const out: Record<string, string>[] = [];
  for (const row of table.rows) {
    const rec: Record<string, string> = {};
    table.columns.forEach((c, i) => {
      if (row.cells[c] !== '') rec[columns[i]] = row.cells[c];
    });
    if (!rec.user_id && !rec.email) errors.push(`line ${row.line}: a recipient needs a user_id or an email`);
    else if (rec.user_id && /[\s/?#]/.test(rec.user_id)) {
      errors.push(`line ${row.line}: user_id "${rec.user_id}" may not contain spaces, "/", "?" or "#"`);
    } else if (rec.email && !isEmail(rec.email)) errors.push(`line ${row.line}: not a valid email: "${rec.email}"`);
    else out.push(rec);
  }
  if (errors.length) {
    const more = errors.length > MAX_REPORTED ? ` (and ${errors.length - MAX_REPORTED} more)` : '';
    throw new ValidationError(`CSV ${errors[0]}${more}`, { validationErrors: errors.slice(0, MAX_REPORTED) });
  }
  if (!out.length) throw new ValidationError('The CSV file has a header but no recipients.');
  return out;
}
