import { z } from 'zod';
import { calendarDate } from '../calendar-date.js';
import { ValidationError } from '../errors.js';

/**
 * The query of the over-time endpoints: a date range in the org's time zone and a bucket size.
 * Defaults to the last 30 days by day; ranges are bounded so a series stays a chart, not a dump.
 */
export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const timeRangeQuery = z.object({
  start_date: calendarDate.optional(),
  end_date: calendarDate.optional(),
  interval: z.enum(INTERVALS).optional(),
});

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

export function resolveTimeRange(q: z.infer<typeof timeRangeQuery>, timeZone: string, now = new Date()): TimeRange {
  const interval = q.interval ?? 'day';
  const end = q.end_date ?? todayIn(timeZone, now);
  const start = q.start_date ?? new Date(Date.parse(`${end}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  if (start > end) throw new ValidationError('start_date must not be after end_date.', { fieldErrors: { start_date: ['after end_date'] } });
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS + 1;
  const buckets = interval === 'day' ? days : interval === 'week' ? Math.ceil(days / 7) + 1 : Math.ceil(days / 28) + 1;
  if (buckets > MAX_BUCKETS[interval]) {
    throw new ValidationError(`The range is too long for interval=${interval} (at most ${MAX_BUCKETS[interval]} buckets); use a larger interval.`);
  }
  return { start, end, interval };
}
