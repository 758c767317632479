import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';

describe('QUEUE_DASHBOARD', () => {
  it('is read-only by default, rw on request, and refuses anything else at start', () => {
    expect(loadConfig({}).queueDashboard).toBe('ro');
    expect(loadConfig({ QUEUE_DASHBOARD: 'rw' }).queueDashboard).toBe('rw');
    expect(() => loadConfig({ QUEUE_DASHBOARD: 'yes' })).toThrow(/QUEUE_DASHBOARD/);
  });
});
