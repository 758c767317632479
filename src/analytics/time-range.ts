import { z } from 'zod';
import { calendarDate } from '../calendar-date.js';
import { ValidationError } from '../errors.js';

/**
 * The query of the over-time endpoints, as the reference takes it: `start_date`, `end_date` (ISO
 * 8601), `department_id`, `include_main_platform` (default true), `format=json`, plus our
 * `interval` (day, the default; week; month). Days are the org's local days; the default range is
 * the 30 days ending today. Ranges are bounded so a series stays a chart, not a dump.
 */
export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

/** `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional `Z` or `±HH[:]MM` offset. */
const DATE_AND_TIME = String.raw`^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?`;
const OFFSET = String.raw`(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$`;
const DATE_TIME = new RegExp(DATE_AND_TIME + OFFSET, 'i');

/**
 * An ISO 8601 calendar date, or a date-time. A date-time with an offset names an instant, taken
 * as the org-local day it falls on; one without an offset is read as org-local already (its date).
 */
export const isoDateParam = z.union(
  [
    calendarDate,
    z
      .string()
      .regex(DATE_TIME, 'must be an ISO 8601 date (YYYY-MM-DD) or date-time')
      .refine((s) => calendarDate.safeParse(s.slice(0, 10)).success, 'not a real date')
      .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real date-time'),
  ],
  { error: 'must be an ISO 8601 date (YYYY-MM-DD) or date-time' },
);

const flag = z
  .enum(['true', 'false', 'True', 'False', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === 'True' || v === '1');

export const overTimeQuery = z.object({
  start_date: isoDateParam.optional(),
  end_date: isoDateParam.optional(),
  interval: z.enum(INTERVALS).optional(),
  department_id: z.string().min(1).max(255).optional(),
  include_main_platform: flag.optional(),
  format: z.enum(['json'], { error: 'only format=json is offered' }).optional(),
});
/** The former name of the query schema. */
export const timeRangeQuery = overTimeQuery;
export type OverTimeQuery = z.infer<typeof overTimeQuery>;

export interface TimeRange {
  start: string;
  end: string;
  interval: Interval;
}

const MAX_BUCKETS: Record<Interval, number> = { day: 1100, week: 600, month: 240 };
const DAY_MS = 86_400_000;

/** Today in a time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The org-local day an ISO date or date-time parameter names. */
export function localDay(value: string, timeZone: string): string {
  if (value.length === 10) return value;
  const m = DATE_TIME.exec(value);
  return m && m[5] ? todayIn(timeZone, new Date(value)) : value.slice(0, 10);
}

/** `day` moved by `n` days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `start` to `end`, both included. */
export function daysBetween(start: string, end: string): number {
  return (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS + 1;
}

export function resolveTimeRange(
  q: Pick<OverTimeQuery, 'start_date' | 'end_date' | 'interval'>,
  timeZone: string,
  now = new Date(),
): TimeRange {
  const interval = q.interval ?? 'day';
  const end = q.end_date ? localDay(q.end_date, timeZone) : todayIn(timeZone, now);
  const start = q.start_date ? localDay(q.start_date, timeZone) : addDays(end, -29);
  if (start > end)
    throw new ValidationError('start_date must not be after end_date.', {
      fieldErrors: { start_date: ['after end_date'] },
    });
  if (start < '1970-01-01') {
    const fieldErrors = { start_date: ['before 1970-01-01'] };
    throw new ValidationError('start_date must be 1970-01-01 or later.', { fieldErrors });
  }
  const days = daysBetween(start, end);
  const buckets = interval === 'day' ? days : interval === 'week' ? Math.ceil(days / 7) + 1 : Math.ceil(days / 28) + 1;
  if (buckets > MAX_BUCKETS[interval]) {
    throw new ValidationError(
      `The range is too long for interval=${interval} (at most ${MAX_BUCKETS[interval]} buckets); use a larger interval.`,
    );
  }
  return { start, end, interval };
}
