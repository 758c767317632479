/**
 * Render faults that are the template's (or its images') fault fail for good, early, with a reason
 * naming the credential, and the downloads answer that failure (issue 19):
 *  - a certificate that times out twice fails after 2 attempts, not 5 (each would hold a pool page
 *    for the full time limit);
 *  - an image stored before the pixel budget existed is never handed to Chromium, and never baked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { catalogRepository } from '../../../src/db/catalog-repository.js';
import { renderKey } from '../../../src/rendering/render-files.js';
import { storeAssetLoader } from '../../../src/rendering/render-service.js';
import { pngBomb } from '../../support/image-bombs.js';

/**
 * Measured: the default certificate renders in ~0.3–2.5 s on this 2-core machine under load; the
 * heavy template below never does (>60 s). Two tries of it must also fit the download's 30 s wait.
 */
const RENDER_TIMEOUT_MS = 6000;
const HEAVY_HTML = '<div class="b">{{recipient.name}}</div>'.repeat(2000);
const HEAVY_CSS =
  '@page { size: A4 landscape; margin: 0; } .b { position: absolute; top: 0; left: 0; width: 1000px; height: 700px; ' +
  'filter: blur(60px); box-shadow: 0 0 200px 100px red; }';

describe('render faults at the template', () => {
  let f: IssuanceFixture;
  const rt = () => f.svc.service.runtime;
  const file = (id: string, name: string) => `${f.svc.url}/api/credentials/public/assertions/${id}/${name}`;
  const issue = async (credential: string, user: 'sam' | 'sue') => {
    const r = await f.as('alice')('POST', `/${credential}/assertions/`, { body: { recipient: { user_id: user } } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.entityId as string;
  };
  async function finishedJob(jobId: string, ms: number) {
    const deadline = Date.now() + ms;
    for (;;) {
      const job = await rt().queues.render.getJob(jobId);
      const state = job ? await job.getState() : 'missing';
      if (job && (state === 'failed' || state === 'completed')) return { job, state };
      if (Date.now() > deadline)
        throw new Error(`${jobId} still ${state} after ${ms} ms (attempts ${job?.attemptsMade})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    f = await startIssuanceService('pglite', {
      RENDER_PAGES: '1',
      RENDER_TIMEOUT_MS: String(RENDER_TIMEOUT_MS),
      WORKERS: 'issuance,render',
    });
  }, 180_000);
  afterAll(() => f?.svc.stop());

  it('a certificate that times out twice fails as the template’s fault after 2 attempts, and its download says so', async () => {
    const credential = await f.credential(await f.issuer({ name: 'Slow Issuer' }), {
      name: 'Heavy Layout',
      html_template: HEAVY_HTML,
      css_template: HEAVY_CSS,
    });
    const id = await issue(credential, 'sue');
    const t0 = Date.now();
    const { job, state } = await finishedJob(`render-${id}`, 90_000);
    expect(state).toBe('failed');
    // the queue allows 5 attempts; the second timeout ends it
    expect(job.opts.attempts).toBe(5);
    // The reason first: when the count is off, it says what ended the job.
    expect(job.failedReason).toMatch(
      new RegExp(
        `^render_timeout: the certificate template of credential "Heavy Layout" \\(${credential}, template version 1\\) timed out twice: render did not finish within ${RENDER_TIMEOUT_MS} ms`,
      ),
    );
    expect(job.attemptsMade, `stalled ${job.stalledCounter}, started ${job.attemptsStarted}`).toBe(2);
    console.log(`render-faults: timed-out job failed after ${job.attemptsMade} attempts in ${Date.now() - t0} ms`);

    // On demand: its own job, the same rule; the download waits for it (up to 30 s) and answers
    // the failure. (Measured ~10 s for the two tries at a 4 s limit.)
    const t2 = Date.now();
    const r = await fetch(file(id, 'certificate.pdf'));
    expect(r.status).toBe(503);
    expect(((await r.json()) as { status: { description: string } }).status.description).toMatch(
      /^The file could not be rendered: render_timeout: the certificate template of credential "Heavy Layout"/,
    );
    const onDemand = await finishedJob(`render-${id}-v1-certificate-pdf`, 1000);
    expect(onDemand.state).toBe('failed');
    expect(onDemand.job.attemptsMade).toBe(2);
    console.log(`render-faults: on-demand job failed and answered in ${Date.now() - t2} ms`);
    // Asked again: answered from the failed job at once, no third render of it.
    const t1 = Date.now();
    const again = await fetch(file(id, 'certificate.pdf'));
    expect(again.status).toBe(503);
    expect(((await again.json()) as { status: { description: string } }).status.description).toMatch(/render_timeout/);
    expect(Date.now() - t1).toBeLessThan(RENDER_TIMEOUT_MS);
    expect((await rt().queues.render.getJob(`render-${id}-v1-certificate-pdf`))!.attemptsMade).toBe(2);
  }, 150_000);

  it('an over-budget image stored before the check is not drawn and not baked: the badge fails with the reason, the certificate renders', async () => {
    const key = 'images/acme/old-bomb.png';
    const bomb = pngBomb(20000, 20000);
    await rt().files.put(key, bomb);
    await catalogRepository(rt().db).insertImage({
      org: 'acme',
      name: 'old bomb',
      file_key: key,
      content_type: 'image/png',
      size: bomb.length,
      sha256: 'x'.repeat(64),
    });
    const url = rt().urls.image(key);
    // The renderer's loader refuses it (Chromium would decode 1.6 GB), whoever asks.
    expect(
      await storeAssetLoader({ db: rt().db, files: rt().files, urls: rt().urls })(url, {
        headers: {},
        label: 'acme/x',
      }),
    ).toBeNull();

    const credential = await f.credential(await f.issuer({ name: 'Old Issuer' }), {
      name: 'Old Bomb',
      icon_image: url,
    });
    const id = await issue(credential, 'sam');
    const { job, state } = await finishedJob(`render-${id}`, 90_000);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1); // unrecoverable
    expect(job.failedReason).toMatch(
      /^image_too_large: the badge image of credential "Old Bomb" .* 20000×20000 pixels/,
    );
    // what could be rendered was kept: the certificate (drawn without the image)
    expect(await rt().files.exists(renderKey('acme', id, 1, 'certificate.pdf'))).toBe(true);
    expect(await rt().files.exists(renderKey('acme', id, 1, 'badge.png'))).toBe(false);
    const pdf = await fetch(file(id, 'certificate.pdf'));
    expect(pdf.status).toBe(200);
    expect(Number(pdf.headers.get('content-length') ?? (await pdf.arrayBuffer()).byteLength)).toBeLessThan(1024 * 1024);

    const badge = await fetch(file(id, 'badge.png'));
    expect(badge.status).toBe(503);
    expect(((await badge.json()) as { status: { description: string } }).status.description).toMatch(
      /image_too_large: .*"Old Bomb".*20000×20000/,
    );

    // Downloaded while its issue's render is still queued (a bulk's, one page renders them one by
    // one): the download waits for that job, which fails on the badge after storing the certificate
    // — the certificate is served, not the badge's failure.
    const users = Array.from({ length: 6 }, (_, i) => ({ user_id: `bomb${i}`, email: `bomb${i}@example.org` }));
    const bulk = await f.as('alice')('POST', `/${credential}/assertions/bulk/`, { body: { users } });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    const { id: queued } = await rt()
      .db.selectFrom('assertions')
      .select('id')
      .where('credential_id', '=', credential)
      .where('recipient_user_id', '=', 'bomb5')
      .executeTakeFirstOrThrow();
    const issueJob = () => rt().queues.render.getJob(`render-${queued}`);
    expect(['prioritized', 'waiting', 'active']).toContain(await (await issueJob())!.getState());
    const queuedPdf = await fetch(file(queued, 'certificate.pdf'));
    expect(queuedPdf.status, await queuedPdf.clone().text()).toBe(200);
    expect((await issueJob())!.failedReason).toMatch(/^image_too_large:/);
    expect(await rt().queues.render.getJob(`render-${queued}-v1-certificate-pdf`)).toBeUndefined();
  }, 150_000);
});
