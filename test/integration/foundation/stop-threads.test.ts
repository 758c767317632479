import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startIssuanceService } from '../issuance/issuance-fixture.js';

/**
 * A stopped service leaves no worker threads behind: the bulk signing pool, the upload inspection
 * pool and the SVG sanitizer thread each idle for 30 s before they end on their own, so any of
 * them still alive when stop() returns is one stop() did not close.
 */
describe('stop() ends the worker threads', () => {
  it('signing, upload inspection and SVG sanitizer threads are all gone once stop() returns', async () => {
    const alive = new Set<Worker>();
    let started = 0;
    const onWorker = (w: Worker) => {
      started++;
      alive.add(w);
      w.once('exit', () => alive.delete(w));
    };
    process.on('worker', onWorker);
    try {
      const f = await startIssuanceService('pglite');
      const startedBy = async (work: () => Promise<void>) => {
        const before = started;
        await work();
        return started - before;
      };

      // A bulk of a Data Integrity issuer large enough to be signed on the signing threads.
      const users = Array.from({ length: 10 }, (_, i) => `stop${i}`);
      const signing = await startedBy(async () => {
        for (const u of users) {
          const r = await f.svc.api('PUT', `/api/admin/orgs/acme/users/${u}`, { body: { role: 'student' } });
          expect(r.status).toBe(200);
        }
        const credentialId = await f.credential(await f.issuer({ name: 'Bulk DI' }));
        const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: { users } });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        expect(r.body.issued).toHaveLength(users.length);
      });

      const inspection = await startedBy(async () => {
        const form = new FormData();
        form.set('file', new Blob(['{"not":"a credential"}'], { type: 'application/json' }), 'c.json');
        const res = await fetch(`${f.svc.url}/api/credentials/public/verify`, { method: 'POST', body: form });
        expect(res.status).toBeLessThan(500);
      });

      const sanitizer = await startedBy(async () => {
        const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';
        const form = new FormData();
        form.append('image', new Blob([svg], { type: 'image/svg+xml' }), 'dot.svg');
        const res = await fetch(`${f.svc.url}/api/credentials/orgs/acme/users/alice/images/`, {
          method: 'POST',
          headers: { authorization: `Bearer ${f.tokens.alice}` },
          body: form,
        });
        expect(res.status, await res.text()).toBe(201);
      });

      // Each of the three started a thread of its own.
      const threads = { signing, inspection, sanitizer };
      expect(Math.min(signing, inspection, sanitizer), JSON.stringify(threads)).toBeGreaterThan(0);
      expect(alive.size).toBeGreaterThanOrEqual(3);

      await f.svc.stop();
      expect(alive.size).toBe(0);
    } finally {
      process.off('worker', onWorker);
    }
  }, 120_000);
});
