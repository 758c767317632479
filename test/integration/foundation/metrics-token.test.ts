import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../support/harness.js';

describe('METRICS_TOKEN', () => {
  let svc: TestService;
  const token = 'metrics-scrape-token-0123456789';
  beforeAll(async () => {
    svc = await startTestService({ workers: false, env: { METRICS_TOKEN: token } });
  });
  afterAll(() => svc?.stop());

  it('/metrics answers the scrape token only; health stays open', async () => {
    const get = (headers: Record<string, string> = {}) => fetch(`${svc.url}/metrics`, { headers });
    expect((await get()).status).toBe(401);
    expect((await get({ authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    // An API token is not the scrape token.
    expect((await get({ authorization: `Bearer ${svc.adminToken}` })).status).toBe(401);
    const ok = await get({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE');
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});
