/**
 * Issue 17: a bulk's job status covers the renders that follow it, `{issued, rendered,
 * failed_renders, total}`, until every issued assertion's files are stored (or failed for good),
 * and the bulk answer links to that status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollJob, startIssuanceService, type IssuanceFixture } from './issuance-fixture.js';

describe('bulk progress covers the renders', () => {
  let f: IssuanceFixture;
  let issuerId: string;
  const users = ['bp1', 'bp2', 'bp3', 'bp4'];

  beforeAll(async () => {
    f = await startIssuanceService('pglite', { WORKERS: 'issuance,render', RENDER_PAGES: '2' });
    const body = { users: users.map((user_id) => ({ user_id, role: 'student', name: `User ${user_id}` })) };
    expect((await f.svc.api('POST', '/api/admin/orgs/acme/users', { body })).status).toBe(200);
    issuerId = await f.issuer();
  }, 180_000);
  afterAll(() => f?.svc.stop());

  /** Posts the bulk, then polls the status URL it answers until the renders are settled. */
  async function bulkUntilRendered(credentialId: string, list: string[]) {
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: { users: list } });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    // Finished (201, the seed's bare body) or not (202): the Link header names the job's status.
    const link = /^<(.+\/api\/credentials\/orgs\/acme\/users\/alice\/jobs\/(bulk-[0-9a-f-]+))>; rel="monitor"$/.exec(
      r.headers.get('link') ?? '',
    );
    expect(link, r.headers.get('link') ?? 'no Link header').not.toBeNull();
    if (r.status === 202) expect(r.body.status_url).toBe(link![1]);
    const statusPage = await f.get(link![1], { authorization: `Bearer ${f.tokens.alice}` });
    expect(statusPage.status).toBe(200);
    const jobId = link![2];
    const seen = await pollJob(f.as('alice'), jobId, (s) => s.progress?.renders_finished === true, 120_000);
    return { jobId, seen, last: seen.at(-1).progress };
  }

  it('a bulk of a few users reaches rendered == total, each file stored, counted once', async () => {
    const credentialId = await f.credential(issuerId, { name: 'Rendered Bulk' });
    const { seen, last, jobId } = await bulkUntilRendered(credentialId, users);
    expect(last).toMatchObject({ total: 4, done: 4, issued: 4, rendered: 4, failed_renders: 0, skipped_renders: 0 });
    // Every poll reported the four counts, and they only grew.
    for (const s of seen)
      expect(s.progress).toEqual(expect.objectContaining({ total: 4, rendered: expect.any(Number) }));
    const rendered = seen.map((s) => s.progress.rendered as number);
    expect(rendered).toEqual([...rendered].sort((a, b) => a - b));

    const rt = f.svc.service.runtime;
    const ids = (await rt.db.selectFrom('assertions').select('id').where('job_id', '=', jobId).execute()).map(
      (a) => a.id,
    );
    expect(ids).toHaveLength(4);
    for (const id of ids) {
      const pdf = await fetch(`${f.svc.url}/api/credentials/public/assertions/${id}/certificate.pdf`);
      expect(pdf.status).toBe(200);
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
    }
    // A retried render (the same assertion rendered again, by any worker) settles its row again:
    // the count does not move.
    for (const id of ids) {
      const job = await rt.queues.render.add('render', { org: 'acme', requestedBy: 'alice', assertionId: id });
      await expect.poll(async () => job.getState(), { timeout: 60_000, interval: 200 }).toBe('completed');
    }
    const again = await f.as('alice')('GET', `/jobs/${jobId}`);
    expect(again.body.result.progress).toMatchObject({ issued: 4, rendered: 4, failed_renders: 0 });
  }, 240_000);

  it('a render that fails for good counts in failed_renders, and the bulk still finishes', async () => {
    // Taller than the 10-page limit: the template's fault, failed at once without retries.
    const credentialId = await f.credential(issuerId, {
      name: 'Too Long',
      html_template: '<div style="height: 20000px">{{recipient.name}}</div>',
      css_template: '@page { size: A4; margin: 0; }',
    });
    const { last } = await bulkUntilRendered(credentialId, ['bp1', 'bp2']);
    expect(last).toMatchObject({ total: 2, issued: 2, rendered: 0, failed_renders: 2, renders_finished: true });
  }, 240_000);
});
