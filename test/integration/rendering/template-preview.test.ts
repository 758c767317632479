import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/** `POST …/credentials/preview`: a watermarked render of a template with sample data, nothing kept. */
describe('template preview', () => {
  let f: IssuanceFixture;
  let credentialId: string;
  const url = (user = 'alice') => `/api/credentials/orgs/acme/users/${user}/credentials/preview`;

  beforeAll(async () => {
    f = await startIssuanceService('pglite');
    credentialId = await f.credential(await f.issuer(), { name: 'Previewed' });
  });
  afterAll(() => f?.svc.stop());

  async function post(body: unknown, user: 'alice' | 'sam' = 'alice') {
    const res = await fetch(f.svc.url + url(user), {
      method: 'POST',
      headers: { authorization: `Bearer ${f.tokens[user]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  }

  const storedFiles = () => {
    const dir = path.join(f.svc.dataDir, 'files');
    try {
      return readdirSync(dir, { recursive: true }).length;
    } catch {
      return 0;
    }
  };

  it('a PNG of the sample data with the watermark across it; nothing stored, nothing signed', async () => {
    const before = storedFiles();
    const r = await post({
      html_template: '<main style="width:100%;height:100vh;background:#fff">\n<h1>{{recipient.name}}</h1>\n</main>',
      sample: { name: 'Grace Hopper' },
      format: 'png',
    });
    expect(r.status, r.bytes.toString()).toBe(200);
    expect(r.type).toBe('image/png');
    const png = PNG.sync.read(r.bytes);
    expect(png.width).toBeGreaterThan(1000);
    // The page is white but for the title; the watermark is red, across the middle.
    let red = 0;
    for (let y = Math.floor(png.height * 0.3); y < png.height * 0.7; y += 2) {
      for (let x = 0; x < png.width; x += 2) {
        const i = (png.width * y + x) * 4;
        if (png.data[i] > 200 && png.data[i + 1] < 200 && png.data[i + 2] < 200) red++;
      }
    }
    expect(red).toBeGreaterThan(500);
    expect(storedFiles()).toBe(before);
    const rows = await f.svc.service.runtime.db.selectFrom('assertions').select('id').execute();
    expect(rows).toEqual([]);
  }, 120_000);

  it('a PDF of a stored credential (its default template), without an embedded credential', async () => {
    const r = await post({ credential: credentialId, format: 'pdf' });
    expect(r.status, r.bytes.toString()).toBe(200);
    expect(r.type).toBe('application/pdf');
    expect(r.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(r.bytes.includes('EmbeddedFile')).toBe(false);
  }, 120_000);

  it('template errors answer 400 with their line numbers', async () => {
    const r = await post({ html_template: '<p>ok</p>\n<p>{{recipient.nmae}}</p>\n<script>x()</script>' });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.bytes.toString());
    expect(body.validationErrors.join('\n')).toMatch(/html_template line 2: .*recipient\.nmae/);
    expect(body.validationErrors.join('\n')).toMatch(/html_template line 3: /);
  });

  it("only the org's platform admins; an unknown credential is 404", async () => {
    expect((await post({ format: 'png' }, 'sam')).status).toBe(403);
    expect((await post({ credential: 'nope', format: 'png' })).status).toBe(404);
  });
});
