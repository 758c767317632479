import { addDays, daysBetween, type TimeRange } from './time-range.js';
import type { DaySpan } from '../db/analytics-repository.js';

/**
 * The `meta` block of the over-time answers. Pure. Every window is a span of org-local days, both
 * ends included, and every change compares a window with the window of equal length just before it:
 *
 * - `total`: the count over the requested range (`start_date` … `end_date`), as the top-level `total`.
 * - `change_range`: that total minus the total of the preceding range of equal length (a 30-day
 *   range ending 31 March is compared with the 30 days ending the day before its start).
 * - `change_last_seven_days`: the count of the 7 days ending `end_date` minus the 7 days before them.
 * - `change_last_thirty_days`: the same with 30 days.
 * - each `…_percent`: the change relative to the earlier window, in percent rounded to two
 *   decimals (+100 = doubled, -50 = halved); `null` when the earlier window counted 0 (no base).
 */
export interface OverTimeMeta {
  total: number;
  change_range: number;
  change_range_percent: number | null;
  change_last_seven_days: number;
  change_last_seven_days_percent: number | null;
  change_last_thirty_days: number;
  change_last_thirty_days_percent: number | null;
}

/** The windows to count, in the order `buildMeta` expects their totals. */
export function metaSpans(range: TimeRange): DaySpan[] {
  const length = daysBetween(range.start, range.end);
  const end = range.end;
  return [
    { start: addDays(range.start, -length), end: addDays(range.start, -1) },
    { start: addDays(end, -6), end },
    { start: addDays(end, -13), end: addDays(end, -7) },
    { start: addDays(end, -29), end },
    { start: addDays(end, -59), end: addDays(end, -30) },
  ];
}

export function percentChange(current: number, previous: number): number | null {
  if (previous === 0) return null;
  return Math.round(((current - previous) / previous) * 10_000) / 100;
}

export function buildMeta(total: number, spanTotals: number[]): OverTimeMeta {
  const [previousRange, last7, previous7, last30, previous30] = spanTotals;
  return {
    total,
    change_range: total - previousRange,
    change_range_percent: percentChange(total, previousRange),
    change_last_seven_days: last7 - previous7,
    change_last_seven_days_percent: percentChange(last7, previous7),
    change_last_thirty_days: last30 - previous30,
    change_last_thirty_days_percent: percentChange(last30, previous30),
  };
}
