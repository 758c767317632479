import { describe, expect, it } from 'vitest';
import { buildMeta, metaSpans, percentChange } from '../../../src/analytics/over-time-meta.js';
import { localDay, resolveTimeRange } from '../../../src/analytics/time-range.js';

describe('over-time meta', () => {
  it('compares the range with the range of equal length before it, and the last 7 and 30 days with theirs', () => {
    expect(metaSpans({ start: '2026-03-01', end: '2026-03-10', interval: 'day' })).toEqual([
      { start: '2026-02-19', end: '2026-02-28' },
      { start: '2026-03-04', end: '2026-03-10' },
      { start: '2026-02-25', end: '2026-03-03' },
      { start: '2026-02-09', end: '2026-03-10' },
      { start: '2026-01-10', end: '2026-02-08' },
    ]);
    // A one-day range is compared with the day before.
    expect(metaSpans({ start: '2026-01-01', end: '2026-01-01', interval: 'day' })[0]).toEqual({
      start: '2025-12-31',
      end: '2025-12-31',
    });
  });

  it('percent relative to the earlier window, two decimals; null without a base', () => {
    expect(percentChange(3, 1)).toBe(200);
    expect(percentChange(1, 3)).toBe(-66.67);
    expect(percentChange(0, 4)).toBe(-100);
    expect(percentChange(5, 0)).toBeNull();
    expect(percentChange(0, 0)).toBeNull();
    expect(buildMeta(8, [2, 7, 1, 10, 0])).toEqual({
      total: 8,
      change_range: 6,
      change_range_percent: 300,
      change_last_seven_days: 6,
      change_last_seven_days_percent: 600,
      change_last_thirty_days: 10,
      change_last_thirty_days_percent: null,
    });
  });

  it('date-times with an offset are the local day of that instant; without one, their own date', () => {
    expect(localDay('2026-03-02T03:30:00Z', 'America/New_York')).toBe('2026-03-01');
    expect(localDay('2026-03-02T03:30:00+05:00', 'UTC')).toBe('2026-03-01');
    expect(localDay('2026-03-02T03:30', 'America/New_York')).toBe('2026-03-02');
    expect(localDay('2026-03-02', 'Asia/Tokyo')).toBe('2026-03-02');
    expect(resolveTimeRange({}, 'UTC', new Date('2026-05-31T12:00:00Z'))).toEqual({
      start: '2026-05-02',
      end: '2026-05-31',
      interval: 'day',
    });
  });
});
