import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { DB_KINDS } from '../../support/databases.js';
import { startCatalogService, type CallAs, type CatalogFixture } from './catalog-fixture.js';
import { gifClaiming, jpegClaiming, pngBomb, pngClaiming, webpClaiming } from '../../support/image-bombs.js';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const WEBP = Buffer.from('UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=', 'base64');
// A JPEG header with its frame header (SOF0, 3×2): dimensions are read at upload.
const JPEG = jpegClaiming(3, 2);

function png(width = 4, height = 4): Buffer {
  const p = new PNG({ width, height });
  p.data.fill(200);
  return PNG.sync.write(p);
}

const EVIL_SVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
  <script type="text/javascript">alert(document.cookie)</script>
  <rect width="10" height="10" fill="url(#g)" onclick="alert(2)"/>
  <image xlink:href="https://evil.example/track.png" width="1" height="1"/>
  <foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/></foreignObject>
  <style>@import url(https://evil.example/x.css); rect { fill: blue; }</style>
  <linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient>
</svg>`;

describe.each(DB_KINDS)('catalog: images (%s)', (db) => {
  let fx: CatalogFixture;
  let alice: CallAs;
  const rt = () => fx.svc.service.runtime;

  beforeAll(async () => {
    fx = await startCatalogService(db);
    alice = fx.as('alice');
  });
  afterAll(() => fx?.svc.stop());

  async function upload(
    user: 'alice' | 'sam' | 'dora' | 'gina',
    file: { bytes: Buffer; filename: string; type?: string } | null,
    name?: string,
    field = 'image',
  ) {
    const org = user === 'gina' ? 'globex' : 'acme';
    const form = new FormData();
    if (file)
      form.append(
        field,
        new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
        file.filename,
      );
    if (name !== undefined) form.append('name', name);
    const res = await fetch(`${fx.svc.url}/api/credentials/orgs/${org}/users/${user}/images/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fx.tokens[user]}` },
      body: form,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  const imageCount = async () =>
    (
      await rt()
        .db.selectFrom('images')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;

  let logo: { id: number; name: string; image: string };
  const pngBytes = png();

  it('uploads a PNG: {id, name, image} with an absolute public URL, served with caching headers', async () => {
    const r = await upload('alice', { bytes: pngBytes, filename: 'logo.png', type: 'image/png' }, 'Acme Logo');
    expect(r.status).toBe(201);
    logo = r.body;
    expect(Object.keys(logo).sort()).toEqual(['id', 'image', 'name']);
    expect(logo.name).toBe('Acme Logo');
    expect(typeof logo.id).toBe('number');
    expect(logo.image).toMatch(
      new RegExp(`^${fx.svc.url}/api/credentials/public/images/images/acme/[A-Za-z0-9_-]{22}\\.png$`),
    );

    const res = await fetch(logo.image);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(Buffer.from(await res.arrayBuffer()).equals(pngBytes)).toBe(true);
    const again = await fetch(logo.image, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('accepts JPEG, GIF and WebP by their bytes whatever the name says; the name defaults to the file name', async () => {
    for (const [bytes, filename, ext, mime] of [
      [JPEG, 'photo.png', 'jpg', 'image/jpeg'],
      [GIF, 'anim.bin', 'gif', 'image/gif'],
      [WEBP, 'pic', 'webp', 'image/webp'],
    ] as const) {
      const r = await upload('alice', { bytes, filename });
      expect(r.status).toBe(201);
      expect(r.body.image.endsWith(`.${ext}`)).toBe(true);
      expect(r.body.name).toBe(filename.replace(/\.[^.]*$/, ''));
      const res = await fetch(r.body.image);
      expect(res.headers.get('content-type')).toBe(mime);
    }
  });

  it('a text file renamed .png is 415, and nothing is stored', async () => {
    const before = await imageCount();
    const r = await upload('alice', {
      bytes: Buffer.from('just some text, honestly\n'),
      filename: 'fake.png',
      type: 'image/png',
    });
    expect(r.status).toBe(415);
    expect(r.body.status.description).toMatch(/PNG, JPEG, SVG, WebP and GIF/);
    const pdf = await upload('alice', {
      bytes: Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'),
      filename: 'doc.png',
    });
    expect(pdf.status).toBe(415);
    expect(pdf.body.status.description).toMatch(/application\/pdf/);
    expect(await imageCount()).toBe(before);
  });

  it('over 5 MiB is 413', async () => {
    const big = Buffer.concat([pngBytes, Buffer.alloc(5 * 1024 * 1024)]);
    const r = await upload('alice', { bytes: big, filename: 'big.png', type: 'image/png' });
    expect(r.status).toBe(413);
    expect(r.body.status.success).toBe(false);
  });

  it('an SVG with <script> is stored sanitized and served with a locked-down CSP', async () => {
    const r = await upload(
      'alice',
      { bytes: Buffer.from(EVIL_SVG), filename: 'badge.svg', type: 'image/svg+xml' },
      'Evil badge',
    );
    expect(r.status).toBe(201);
    expect(r.body.image).toMatch(/\.svg$/);
    const res = await fetch(r.body.image);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const svg = await res.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const gone of ['<script', 'alert', 'onload', 'onclick', 'evil.example', 'foreignObject', 'iframe', '@import'])
      expect(svg).not.toContain(gone);
    // what is harmless stays
    expect(svg).toContain('<rect width="10" height="10" fill="url(#g)"/>');
    expect(svg).toContain('rect { fill: blue; }');
    expect(svg).toContain('<linearGradient id="g">');
  });

  it('an SVG with a DOCTYPE/ENTITY or malformed XML is refused (400)', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>';
    const r = await upload('alice', { bytes: Buffer.from(xxe), filename: 'x.svg' });
    expect(r.status).toBe(400);
    expect(r.body.status.description).toMatch(/DOCTYPE/);
    const broken = await upload('alice', {
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'),
      filename: 'b.svg',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.status.description).toMatch(/Malformed SVG/);
  });

  it('an image over the pixel budget is refused (422) with its dimensions and the budget; nothing is stored', async () => {
    const before = await imageCount();
    const bomb = pngBomb(20000, 20000); // a valid ~50 KB PNG, 1.6 GB once decoded
    const r = await upload('alice', { bytes: bomb, filename: 'bomb.png', type: 'image/png' });
    expect(r.status).toBe(422);
    expect(r.body.status.description).toMatch(
      /20000×20000 pixels \(400\.0 M pixels\).*at most 8192 pixels on a side and 16\.8 M pixels/,
    );
    expect(r.body.fieldErrors.image).toHaveLength(1);
    for (const [bytes, filename, dims] of [
      [pngClaiming(2 ** 31 - 1, 2 ** 31 - 1), 'max.png', '2147483647×2147483647'],
      [pngClaiming(8193, 1), 'wide.png', '8193×1'],
      [jpegClaiming(65535, 65535, 0xc2), 'huge.jpg', '65535×65535'],
      [gifClaiming(10, 10, { left: 0, top: 0, width: 60000, height: 60000 }), 'frame.gif', '60000×60000'],
      [webpClaiming('VP8X', 20000, 20000), 'huge.webp', '20000×20000'],
      [
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>'),
        'huge.svg',
        '100000×100000',
      ],
    ] as const) {
      const res = await upload('alice', { bytes, filename });
      expect(res.status, filename).toBe(422);
      expect(res.body.status.description).toContain(dims);
    }
    const unreadable = await upload('alice', {
      bytes: Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0]),
      filename: 'empty.jpg',
    });
    expect(unreadable.status).toBe(422);
    expect(unreadable.body.status.description).toMatch(/dimensions could not be read/);
    expect(await imageCount()).toBe(before);
    // at the budget: accepted
    const edge = await upload('alice', { bytes: pngBomb(4096, 4096), filename: 'edge.png' });
    expect(edge.status).toBe(201);
  });

  it('a 100,000-deep SVG is refused (422, not a 500); 400 levels are accepted', async () => {
    const nested = (depth: number) =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg">${'<g>'.repeat(depth - 1)}${'</g>'.repeat(depth - 1)}</svg>`,
      );
    const deep = await upload('alice', { bytes: nested(100_000), filename: 'deep.svg' });
    expect(deep.status).toBe(422);
    expect(deep.body.status.description).toMatch(/nested more than 400 levels/);
    expect((await upload('alice', { bytes: nested(401), filename: 'deep.svg' })).status).toBe(422);
    const ok = await upload('alice', { bytes: nested(400), filename: 'ok.svg' });
    expect(ok.status).toBe(201);
    expect((await (await fetch(ok.body.image)).text()).match(/<g\b/g)).toHaveLength(399);
  });

  it('a missing file, another field, or a JSON body is a clear 4xx', async () => {
    const none = await upload('alice', null, 'nothing');
    expect(none.status).toBe(400);
    expect(none.body.fieldErrors.image).toBeDefined();
    expect((await upload('alice', { bytes: pngBytes, filename: 'a.png' }, undefined, 'file')).status).toBe(400);
    expect((await alice('POST', '/images/', { body: { image: 'x' } })).status).toBe(415);
    const truncated = await fetch(`${fx.svc.url}/api/credentials/orgs/acme/users/alice/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fx.tokens.alice}`, 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nabc',
    });
    expect(truncated.status).toBe(400);
  });

  it('students and department admins may not upload (403) but may search', async () => {
    expect((await upload('sam', { bytes: pngBytes, filename: 'a.png' })).status).toBe(403);
    expect((await upload('dora', { bytes: pngBytes, filename: 'a.png' })).status).toBe(403);
    const r = await fx.as('sam')('GET', '/images/?query=logo');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([logo]);
  });

  it('search: query is required; matches names; scoped by org', async () => {
    const missing = await alice('GET', '/images/');
    expect(missing.status).toBe(400);
    expect(missing.body.status.description).toMatch(/query is required/);
    expect((await alice('GET', '/images?query=')).status).toBe(400);
    expect((await alice('GET', '/images?query=ACME')).body).toEqual([logo]);
    expect((await alice('GET', '/images?query=zzz')).body).toEqual([]);
    expect((await upload('gina', { bytes: pngBytes, filename: 'g.png' }, 'Globex logo')).status).toBe(201);
    expect((await fx.as('gina')('GET', '/images?query=logo')).body.map((i: any) => i.name)).toEqual(['Globex logo']);
  });

  it('the public route serves registered images only', async () => {
    const base = `${fx.svc.url}/api/credentials/public/images`;
    expect((await fetch(`${base}/images/acme/nothing.png`)).status).toBe(404);
    await rt().files.put('images/acme/unregistered.png', pngBytes);
    expect((await fetch(`${base}/images/acme/unregistered.png`)).status).toBe(404);
    expect((await fetch(`${base}/images/acme/..%2F..%2Fadmin-token`)).status).toBe(404);
    expect((await fetch(logo.image)).status).toBe(200);
  });
});
