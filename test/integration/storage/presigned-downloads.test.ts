import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { startTestS3, type TestS3 } from '../../support/s3-server.js';
import { renderKey } from '../../../src/rendering/render-files.js';

/**
 * S3_PRESIGNED_DOWNLOADS=true: rendered files answer 302 to a presigned GET URL of the store
 * (a real S3-protocol server, s3rver), which serves the same bytes with the download's headers.
 */
describe('downloads redirected to presigned S3 URLs (pglite)', () => {
  let f: IssuanceFixture;
  let s3: TestS3;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    s3 = await startTestS3();
    // The store's client takes its credentials from the SDK's chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...env } = s3.env(`p${randomBytes(3).toString('hex')}`);
    f = await startIssuanceService('pglite', {
      WORKERS: 'issuance,render',
      RENDER_PAGES: '1',
      ...env,
      S3_PRESIGNED_DOWNLOADS: 'true',
    });
  });
  afterAll(async () => {
    await f?.svc.stop();
    await s3?.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  it('answers 302 to a short-lived signed URL that serves the stored bytes, ETag, length, ranges, caching', async () => {
    const alice = f.as('alice');
    const credentialId = await f.credential(await f.issuer(), { name: 'Signed Links' });
    const r = await alice('POST', `/${credentialId}/assertions/`, { body: { recipient: { user_id: 'sam' } } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.result.entityId as string;
    const rt = f.svc.service.runtime;
    const org = 'acme';

    const magic = { 'certificate.pdf': '%PDF', 'certificate.png': '\x89PNG', 'badge.png': '\x89PNG' } as const;
    const types = { 'certificate.pdf': 'application/pdf', 'certificate.png': 'image/png', 'badge.png': 'image/png' };
    for (const [file, head] of Object.entries(magic) as [keyof typeof magic, string][]) {
      // Rendered on demand when missing, then redirected.
      const res = await fetch(`${f.svc.url}/api/credentials/public/assertions/${id}/${file}`, { redirect: 'manual' });
      expect(res.status, `${file}: ${await res.clone().text()}`).toBe(302);
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      const location = new URL(res.headers.get('location')!);
      expect(location.origin).toBe(s3.endpoint);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

      const got = await fetch(location);
      const body = Buffer.from(await got.arrayBuffer());
      expect(got.status).toBe(200);
      expect(body.subarray(0, 4).toString('latin1')).toBe(head);
      const stored = await rt.files.get(renderKey(org, id, 1, file));
      expect(stored && body.equals(stored.body), `${file} as stored`).toBe(true);
      expect(got.headers.get('content-type')).toBe(types[file]);
      expect(got.headers.get('content-disposition')).toMatch(new RegExp(`^inline; filename="signed-links-[a-z0-9-]+`));
      expect(Number(got.headers.get('content-length'))).toBe(body.length);
      expect(got.headers.get('cache-control')).toBe('public, max-age=300');
      const etag = got.headers.get('etag');
      expect(etag).toBeTruthy();
      // The store answers revalidations and ranges itself.
      expect((await fetch(location, { headers: { 'if-none-match': etag! } })).status).toBe(304);
      const part = await fetch(location, { headers: { range: 'bytes=0-3' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe(head);
    }

    // Revoked: no redirect, the usual 404 with the reason.
    expect(
      (await alice('PUT', `/assertions/${id}`, { body: { revoked: true, revocationReason: 'Gone' } })).status,
    ).toBe(200);
    const gone = await fetch(`${f.svc.url}/api/credentials/public/assertions/${id}/certificate.pdf`, {
      redirect: 'manual',
    });
    expect(gone.status).toBe(404);
    expect(gone.headers.get('location')).toBeNull();
  }, 180_000);
});
