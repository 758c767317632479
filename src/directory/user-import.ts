import { z } from 'zod';
import type { UserInput } from '../db/directory-repository.js';
import { ValidationError } from '../errors.js';
import { userIdSchema } from './directory-service.js';
import { parseCsvTable } from '../csv/csv-table.js';

/** The CSV bulk's limit too: a file past it is a mistake more often than a directory. */
const MAX_IMPORT_USERS = 50_000;

/**
 * Users for `badgeworks users import`: a JSON array of user objects, or CSV (read as the CSV bulk
 * is, src/csv/csv-table.ts) with a header row `user_id,role,name,email,departments` in any case
 * and order (departments separated by `;` or `,` inside their cell).
 */
const userSchema = z.object({
  user_id: userIdSchema,
  role: z.enum(['platform_admin', 'department_admin', 'student']),
  name: z.string().max(255).optional(),
  email: z.email().optional(),
  departments: z.array(z.string().min(1)).optional(),
});

export function parseUserImport(text: string): UserInput[] {
  const trimmed = text.trim().replace(/^\uFEFF/, '');
  let records: unknown[];
  // The line of each CSV record, for messages (a JSON record has none).
  let lines: number[] = [];
  if (trimmed.startsWith('[')) {
    records = JSON.parse(trimmed);
  } else {
    const table = parseCsvTable(text, { maxRows: MAX_IMPORT_USERS });
    if (!table.columns.includes('user_id') || !table.columns.includes('role'))
      throw new ValidationError('CSV header must name user_id and role.');
    lines = table.rows.map((r) => r.line);
    records = table.rows.map(({ cells }) => {
      const rec: Record<string, unknown> = {};
      for (const [col, v] of Object.entries(cells)) {
        if (v === '') continue;
        rec[col] =
          col === 'departments'
            ? v
                .split(/[;,]/)
                .map((d) => d.trim())
                .filter(Boolean)
            : v;
      }
      return rec;
    });
  }
  return records.map((r, i) => {
    const parsed = userSchema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // `Record N: field: …` first (scripts match it), then the line of a CSV record.
      const at = lines[i] ? ` (line ${lines[i]})` : '';
      throw new ValidationError(`Record ${i + 1}: ${issue.path.join('.') || 'record'}: ${issue.message}${at}`);
    }
    return parsed.data;
  });
}
