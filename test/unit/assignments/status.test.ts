import { describe, expect, it } from 'vitest';
import { statusOf } from '../../../src/assignments/assignment-service.js';

describe('assignment status', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it.each([
    [{ assertion_id: null, revoked_at: null, expires_at: null }, 'not_issued'],
    [{ assertion_id: 'a', revoked_at: null, expires_at: null }, 'issued'],
    [{ assertion_id: 'a', revoked_at: null, expires_at: new Date('2026-07-01T00:00:00Z') }, 'issued'],
    [{ assertion_id: 'a', revoked_at: null, expires_at: new Date('2026-05-01T00:00:00Z') }, 'expired'],
    [
      { assertion_id: 'a', revoked_at: new Date('2026-05-01T00:00:00Z'), expires_at: new Date('2026-05-01T00:00:00Z') },
      'revoked',
    ],
  ] as const)('%o → %s', (row, status) => {
    expect(statusOf(row, now)).toBe(status);
  });
});
