import { z } from 'zod';

/**
 * A calendar date `YYYY-MM-DD` as the API takes it (due dates, analytics ranges): a real day
 * (no 2027-02-30) in years PostgreSQL and `Date` agree on. Year 0000 does not exist in PostgreSQL,
 * and nothing this service records predates 1970.
 */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().startsWith(s);
  }, 'is not a real date')
  .refine((s) => s >= '1970-01-01', 'must be 1970-01-01 or later');
