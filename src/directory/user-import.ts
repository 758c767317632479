import { z } from 'zod';
import type { UserInput } from '../db/directory-repository.js';
import { ValidationError } from '../errors.js';
import { userIdSchema } from './directory-service.js';

/**
 * Users for `badgeworks users import`: a JSON array of user objects, or CSV with a header row
 * `user_id,role,name,email,departments` (departments separated by `;`). Quoted CSV fields may
 * contain commas and doubled quotes.
 */
const userSchema = z.object({
  user_id: userIdSchema,
  role: z.enum(['platform_admin', 'department_admin', 'student']),
  name: z.string().max(255).optional(),
  email: z.email().optional(),
  departments: z.array(z.string().min(1)).optional(),
});

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

export function parseUserImport(text: string): UserInput[] {
  const trimmed = text.trim();
  let records: unknown[];
  if (trimmed.startsWith('[')) {
    records = JSON.parse(trimmed);
  } else {
    const [header, ...lines] = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
    const cols = parseCsvLine(header ?? '');
    if (!cols.includes('user_id') || !cols.includes('role'))
      throw new ValidationError('CSV header must name user_id and role.');
    records = lines.map((line) => {
      const cells = parseCsvLine(line);
      const rec: Record<string, unknown> = {};
      cols.forEach((col, i) => {
        const v = cells[i];
        if (v === undefined || v === '') return;
        rec[col] =
          col === 'departments'
            ? v
                .split(';')
                .map((d) => d.trim())
                .filter(Boolean)
            : v;
      });
      return rec;
    });
  }
  return records.map((r, i) => {
    const parsed = userSchema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ValidationError(`Record ${i + 1}: ${issue.path.join('.') || 'record'}: ${issue.message}`);
    }
    return parsed.data;
  });
}
