/**
 * The renderer against real Chromium: outputs, the network wall, limits, isolation between jobs,
 * crash recovery and a clean close. One renderer for the whole file (2 pages).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { liveGroup } from '../../support/child-service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCertificateTemplate } from '../../../src/template/default-template.js';
import { isRetryableRenderError, RenderLimitError, RenderRetryableError } from '../../../src/rendering/errors.js';
import { attachCredentialToPdf, readPdfCredential } from '../../../src/openbadges/pdf-credential.js';
import {
  createRenderer,
  countPdfPages,
  MAX_PNG_PIXELS,
  type AssetRequest,
  type BlockedRequest,
  type LoadedAsset,
  type Renderer,
} from '../../../src/rendering/renderer.js';
import { renderTemplate } from '../../../src/template/template.js';
import { IMAGES_PREFIX, makeLoadAsset, sampleContext, SAMPLE_IMAGES } from './fixtures.js';

const run = promisify(execFile);

function solidPng(r: number, g: number, b: number, size = 8): LoadedAsset {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set([r, g, b, 255], i * 4);
  return { body: PNG.sync.write(png), contentType: 'image/png' };
}
function pixel(pngBuf: Buffer, x: number, y: number): [number, number, number] {
  const png = PNG.sync.read(pngBuf);
  const i = (png.width * y + x) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}
async function waitGone(pgid: number, ms = 5000): Promise<number[]> {
  const end = Date.now() + ms;
  let live = liveGroup(pgid);
  while (live.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    live = liveGroup(pgid);
  }
  return live;
}

// The asset store of this file: the sample images plus a "swap" image the tests change, and a slow one.
const images: Record<string, LoadedAsset> = { ...SAMPLE_IMAGES, 'swap.png': solidPng(255, 0, 0) };
const assetCalls: Array<{ url: string; request: AssetRequest }> = [];
const baseLoad = makeLoadAsset(images, assetCalls);
let slowAsset: { delayMs: number } = { delayMs: 0 };
async function loadAsset(url: string, request: AssetRequest): Promise<LoadedAsset | null> {
  if (url.endsWith('/slow.png')) {
    await new Promise((r) => setTimeout(r, slowAsset.delayMs));
    return solidPng(0, 128, 0);
  }
  return baseLoad(url, request);
}

const blocked: BlockedRequest[] = [];
const launchedPids = new Set<number>();
let renderer: Renderer;
let html = '';
let css = '';

beforeAll(async () => {
  renderer = createRenderer({
    assetPrefix: IMAGES_PREFIX,
    loadAsset,
    onBlockedRequest: (b) => blocked.push(b),
    pages: 2,
    renderTimeoutMs: 5000,
    assetTimeoutMs: 20_000,
  });
  await renderer.warmUp();
  launchedPids.add((await renderer.browserPid())!);
  const t = defaultCertificateTemplate();
  ({ html, css } = renderTemplate(
    t.htmlTemplate,
    t.cssTemplate,
    await sampleContext({ recipientName: 'Ada Lovelace', credentialName: 'Advanced Data Analysis' }),
  ));
});

afterAll(async () => {
  await renderer?.close();
});

describe('renderer outputs', () => {
  it('renders the default certificate to a one-page PDF with the names, fonts and images', async () => {
    assetCalls.length = 0;
    const inlinedBefore = renderer.stats().assetsInlined;
    const pdf = await renderer.renderPdf(html, css, { label: 'job-pdf' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await countPdfPages(pdf)).toBe(1);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-render-'));
    const file = path.join(dir, 'cert.pdf');
    writeFileSync(file, pdf);
    const { stdout: text } = await run('pdftotext', ['-layout', file, '-']);
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('Advanced Data Analysis');
    const { stdout: fonts } = await run('pdffonts', [file]);
    expect(fonts).toMatch(/EBGaramond/);
    expect(fonts).toMatch(/Inter/);
    const { stdout: info } = await run('pdfinfo', [file]);
    expect(info).toMatch(/Page size:\s+841\.9\d* x (594\.9\d*|595) pts/);
    // the logo and both signatures are raster images in the PDF (the badge is vector SVG)
    const { stdout: imgs } = await run('pdfimages', ['-list', file]);
    const rasters = imgs
      .split('\n')
      .filter((l) => /^\s*\d+\s+\d+\s+image\b/.test(l))
      .map((l) => l.trim().split(/\s+/).slice(3, 5).join('x'));
    expect(rasters.sort()).toEqual(['400x120', '400x120', '480x160']);
    // all four were written into the document: Chromium fetched none of them
    expect(renderer.stats().assetsInlined - inlinedBefore).toBe(4);
    // logo, badge and two signatures came from loadAsset (in Node), without cookies or referrer
    expect(assetCalls.map((c) => c.url.slice(IMAGES_PREFIX.length)).sort()).toEqual([
      'org-1/badge.svg',
      'org-1/logo.png',
      'org-1/sig-hopper.png',
      'org-1/sig-turing.png',
    ]);
    for (const c of assetCalls) {
      expect(Object.keys(c.request.headers).map((h) => h.toLowerCase())).not.toContain('cookie');
      expect(Object.keys(c.request.headers).map((h) => h.toLowerCase())).not.toContain('referer');
    }
    expect(blocked.filter((b) => b.label === 'job-pdf')).toEqual([]);
  });

  it('lays a PDF out at the paper, not at the (shrunk) screen viewport: vw, vh and media queries', async () => {
    const pdf = await renderer.renderPdf(
      '<div class="half"></div><p class="w">width:</p>',
      '@page { size: A4 landscape; margin: 0 } html, body { margin: 0 }' +
        ' .half { width: 50vw; height: 50vh; background: #0000ff }' +
        " @media (min-width: 1000px) { .w::after { content: 'PAPERWIDE' } }" +
        " @media (max-width: 999px) { .w::after { content: 'SCREENNARROW' } }",
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-render-'));
    const file = path.join(dir, 'vw.pdf');
    writeFileSync(file, pdf);
    const { stdout: text } = await run('pdftotext', [file, '-']);
    expect(text).toContain('PAPERWIDE');
    expect(text).not.toContain('SCREENNARROW');
    // at 20 dpi the A4 landscape page is 234 × 165 px: the blue box covers its top-left quarter
    await run('pdftoppm', ['-r', '20', '-png', '-singlefile', file, path.join(dir, 'vw')]);
    const png = readFileSync(path.join(dir, 'vw.png'));
    expect(pixel(png, 100, 70)).toEqual([0, 0, 255]);
    expect(pixel(png, 130, 70)).toEqual([255, 255, 255]);
    expect(pixel(png, 100, 90)).toEqual([255, 255, 255]);
  });

  it('carries the signed credential once post-processed', async () => {
    const pdf = await renderer.renderPdf(html, css);
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOmV4YW1wbGUifQ.c2ln';
    const url = 'https://badges.example.test/api/credentials/public/assertions/x/';
    const signed = await attachCredentialToPdf(pdf, {
      jwt,
      verificationUrl: url,
      title: 'Advanced Data Analysis — Ada Lovelace',
    });
    expect(await readPdfCredential(signed)).toMatchObject({ jwt, verificationUrl: url });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-render-'));
    writeFileSync(path.join(dir, 'c.pdf'), signed);
    const { stdout } = await run('pdfdetach', ['-list', path.join(dir, 'c.pdf')]);
    expect(stdout).toContain('credential.jwt');
    const { stdout: text } = await run('pdftotext', [path.join(dir, 'c.pdf'), '-']);
    expect(text).toContain('Ada Lovelace');
  });

  it('renders a PNG of the page size at the scale (A4 landscape, 96 dpi × 2)', async () => {
    const png = await renderer.renderPng(html, css, { scale: 2 });
    const img = PNG.sync.read(png);
    expect([img.width, img.height]).toEqual([2246, 1588]);
    // the navy frame is drawn (not a blank page)
    const [r, g, b] = pixel(png, 64, 800);
    expect(r + g + b).toBeLessThan(200);
    const one = PNG.sync.read(await renderer.renderPng(html, css, { scale: 1 }));
    expect([one.width, one.height]).toEqual([1123, 794]);
  });

  it('captures a huge page at a smaller scale instead of crashing the browser', async () => {
    const pid = await renderer.browserPid();
    const huge = await renderer.renderPng(
      '<div class="x">big</div>',
      '@page { size: 20000px 20000px } .x { width: 100%; height: 19000px; background: linear-gradient(red, blue) }',
      { scale: 2 },
    );
    const img = PNG.sync.read(huge);
    expect(img.width * img.height).toBeLessThanOrEqual(MAX_PNG_PIXELS);
    expect(img.width).toBeGreaterThan(3000);
    expect(await renderer.browserPid()).toBe(pid);
  });

  it('an image too big to write into the document is fetched through the interceptor, loaded once', async () => {
    const filler = `<!--${'x'.repeat(2 * 1024 * 1024 + 10)}-->`;
    images['big.svg'] = {
      contentType: 'image/svg+xml',
      body: Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#00c800"/>${filler}</svg>`,
      ),
    };
    assetCalls.length = 0;
    const inlinedBefore = renderer.stats().assetsInlined;
    const png = await renderer.renderPng(
      `<img src="${IMAGES_PREFIX}big.svg" style="position:absolute;left:0;top:0;width:200px;height:200px"><img src="${IMAGES_PREFIX}swap.png" style="width:1px">`,
      '',
      { scale: 1 },
    );
    expect(pixel(png, 100, 100)).toEqual([0, 200, 0]);
    expect(assetCalls.filter((c) => c.url.endsWith('/big.svg'))).toHaveLength(1);
    expect(renderer.stats().assetsInlined - inlinedBefore).toBe(1); // swap.png only
  });

  it('renders concurrently on the pool', async () => {
    const pdfs = await Promise.all([0, 1, 2, 3].map(() => renderer.renderPdf(html, css)));
    for (const p of pdfs) expect(p.subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('network wall (templates given to the renderer directly, bypassing the write-time checks)', () => {
  let canary: http.Server;
  const hits: string[] = [];
  let port = 0;
  beforeAll(async () => {
    canary = http.createServer((req, res) => {
      hits.push(`${req.headers.host}${req.url}`);
      res.setHeader('Set-Cookie', 'canary=1');
      res.end('x');
    });
    await new Promise<void>((r) => canary.listen(0, '0.0.0.0', () => r()));
    port = (canary.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => canary.close(() => r())));

  it('makes no request to a canary server, and still renders', async () => {
    const u = (host: string, p: string) => `http://${host}:${port}/${p}`;
    const evil = [
      `<img src="${u('127.0.0.1', 'img')}">`,
      `<img src="${u('[::ffff:127.0.0.1]', 'img-v6')}">`,
      `<img src="${u('2130706433', 'img-decimal')}">`,
      `<img src="${u('localhost', 'img-localhost')}">`,
      `<img src="${u('0.0.0.0', 'img-zero')}">`,
      `<img src="http://169.254.169.254/latest/meta-data/">`,
      `<img srcset="${u('127.0.0.1', 'srcset')} 2x">`,
      `<img src="${IMAGES_PREFIX}../../../../admin">`,
      `<link rel="stylesheet" href="${u('127.0.0.1', 'link.css')}">`,
      `<link rel="preconnect" href="${u('127.0.0.1', 'preconnect')}"><link rel="dns-prefetch" href="//127.0.0.1:${port}">`,
      `<link rel="prefetch" href="${u('127.0.0.1', 'prefetch')}">`,
      `<style>@import url(${u('127.0.0.1', 'import.css')}); .bg { background: url(${u('127.0.0.1', 'style-bg')}) }</style><div class="bg">bg</div>`,
      `<div style="background-image: url('${u('127.0.0.1', 'inline-bg')}')">x</div>`,
      `<iframe src="file:///etc/passwd"></iframe><iframe src="${u('127.0.0.1', 'iframe')}"></iframe>`,
      `<script>fetch('${u('127.0.0.1', 'script-fetch')}'); new Image().src='${u('127.0.0.1', 'script-img')}'</script>`,
      `<script src="${u('127.0.0.1', 'script.js')}"></script>`,
      `<meta http-equiv="refresh" content="0;url=${u('127.0.0.1', 'refresh')}">`,
      `<object data="${u('127.0.0.1', 'object')}"></object><embed src="${u('127.0.0.1', 'embed')}">`,
      `<video poster="${u('127.0.0.1', 'poster')}" src="${u('127.0.0.1', 'video')}"></video><audio src="${u('127.0.0.1', 'audio')}"></audio>`,
      `<svg width="10" height="10"><image href="${u('127.0.0.1', 'svg-image')}" width="10" height="10"/></svg>`,
      `<form action="${u('127.0.0.1', 'form')}"><input type="image" src="${u('127.0.0.1', 'input-image')}"></form>`,
      `<base href="${u('127.0.0.1', '')}"><img src="relative-after-base.png">`,
      `<a href="${u('127.0.0.1', 'link')}" ping="${u('127.0.0.1', 'ping')}">link</a>`,
      `<img src="ws://127.0.0.1:${port}/ws"><img src="ftp://127.0.0.1/ftp">`,
      `<p>Still rendered: Grace</p>`,
    ].join('\n');
    const evilCss = `@import "${u('127.0.0.1', 'css-import.css')}"; @font-face { font-family: X; src: url(${u('127.0.0.1', 'font.woff2')}) } body { font-family: X; background: url(${u('127.0.0.1', 'css-bg')}) }`;
    blocked.length = 0;
    const pdf = await renderer.renderPdf(evil, evilCss, { label: 'job-evil' });
    const png = await renderer.renderPng(evil, evilCss, { label: 'job-evil-png', scale: 1 });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(PNG.sync.read(png).width).toBe(1123);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-render-'));
    writeFileSync(path.join(dir, 'evil.pdf'), pdf);
    const { stdout: text } = await run('pdftotext', [path.join(dir, 'evil.pdf'), '-']);
    expect(text).toContain('Still rendered: Grace');
    await new Promise((r) => setTimeout(r, 500));
    expect(hits).toEqual([]);
    // what was tried was reported with its URL (CSP refusals and intercepted requests)
    const urls = blocked.map((b) => b.url).join('\n');
    expect(blocked.length).toBeGreaterThan(5);
    expect(urls).toContain(`127.0.0.1:${port}`);
    expect(blocked.every((b) => b.label === 'job-evil' || b.label === 'job-evil-png')).toBe(true);
  });
});

describe('limits', () => {
  it('fails a 1000-page template cleanly with the page-limit reason, and renders on', async () => {
    const t0 = Date.now();
    const err = await renderer
      .renderPdf('<div class="p">page</div>'.repeat(1000), '.p { height: 150mm; break-after: page; }')
      .catch((e) => e);
    expect(err).toBeInstanceOf(RenderLimitError);
    expect(err.reason).toBe('page_limit');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('template produced more than 10 pages (max 10)');
    expect(Date.now() - t0).toBeLessThan(4000);
    const ten = await renderer.renderPdf(
      '<div class="p">page</div>'.repeat(10),
      '.p { height: 150mm; break-after: page; }',
    );
    expect(await countPdfPages(ten)).toBe(10);
  });

  it('times out a render that hangs (retryable), and the next render succeeds', async () => {
    slowAsset = { delayMs: 60_000 };
    const t0 = Date.now();
    const err = await renderer.renderPdf(`<img src="${IMAGES_PREFIX}slow.png">`, '').catch((e) => e);
    expect(err).toBeInstanceOf(RenderRetryableError);
    expect(err.reason).toBe('timeout');
    expect(isRetryableRenderError(err)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(7000);
    slowAsset = { delayMs: 0 };
    expect((await renderer.renderPdf(html, css)).subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('isolation between jobs', () => {
  it('a later job sees nothing of an earlier one: no cached image, no cookie, no leftover document', async () => {
    const doc = `<img src="/api/credentials/public/images/swap.png" style="position:absolute;left:0;top:0;width:200px;height:200px">
      <img src="${IMAGES_PREFIX}swap.png" style="position:absolute;left:0;top:300px;width:200px;height:200px">
      <meta http-equiv="set-cookie" content="leak=1; path=/">`;
    const leftover = `<style>.marker { background: rgb(0, 0, 255) !important; }</style>`;
    images['swap.png'] = solidPng(255, 0, 0);
    // first jobs: on both pool pages at once (so whichever page serves the next job has history)
    const firsts = await Promise.all([
      renderer.renderPng(doc + leftover, '', { scale: 1 }),
      renderer.renderPng(doc + leftover, '', { scale: 1 }),
    ]);
    for (const p of firsts) {
      expect(pixel(p, 100, 100)).toEqual([255, 0, 0]);
      expect(pixel(p, 100, 400)).toEqual([255, 0, 0]);
    }
    // the store now holds another image at the same URL
    images['swap.png'] = solidPng(0, 200, 0);
    assetCalls.length = 0;
    const seconds = await Promise.all([
      renderer.renderPng(
        `${doc}<div class="marker" style="position:absolute;left:300px;top:0;width:100px;height:100px"></div>`,
        '',
        { scale: 1 },
      ),
      renderer.renderPng(
        `${doc}<div class="marker" style="position:absolute;left:300px;top:0;width:100px;height:100px"></div>`,
        '',
        { scale: 1 },
      ),
    ]);
    for (const p of seconds) {
      expect(pixel(p, 100, 100)).toEqual([0, 200, 0]); // fetched again, not served from a cache
      expect(pixel(p, 100, 400)).toEqual([0, 200, 0]); // the absolute URL too
      const [r, g, b] = pixel(p, 350, 50);
      expect(b > 200 && r < 50 && g < 50).toBe(false); // the first job's stylesheet is gone
    }
    const swapCalls = assetCalls.filter((c) => c.url.endsWith('/swap.png'));
    expect(swapCalls).toHaveLength(2); // once per job (both <img> name the same URL)
    expect(new Set(swapCalls.map((c) => c.url))).toEqual(new Set([`${IMAGES_PREFIX}swap.png`])); // loadAsset sees the service URL
    for (const c of swapCalls)
      expect(Object.keys(c.request.headers).map((h) => h.toLowerCase())).not.toContain('cookie');
  });
});

describe('faults', () => {
  it('a Chromium killed during a render fails that render as retryable; the next one runs on a fresh browser', async () => {
    const pid = (await renderer.browserPid())!;
    launchedPids.add(pid);
    slowAsset = { delayMs: 1500 };
    const pending = renderer.renderPdf(`<img src="${IMAGES_PREFIX}slow.png"><p>in flight</p>`, '');
    await new Promise((r) => setTimeout(r, 400));
    process.kill(pid, 'SIGKILL');
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(RenderRetryableError);
    expect(isRetryableRenderError(err)).toBe(true);
    expect(['browser_crashed', 'timeout']).toContain(err.reason);
    slowAsset = { delayMs: 0 };

    const pdf = await renderer.renderPdf(html, css);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const newPid = (await renderer.browserPid())!;
    launchedPids.add(newPid);
    expect(newPid).not.toBe(pid);
    expect(await waitGone(pid)).toEqual([]); // the killed browser's renderers and helpers are gone too
    expect(renderer.stats().browserRestarts.crash).toBeGreaterThanOrEqual(1);
  });

  it('close() leaves no Chromium process', async () => {
    const pid = (await renderer.browserPid())!;
    launchedPids.add(pid);
    expect(liveGroup(pid).length).toBeGreaterThan(1);
    await renderer.close();
    for (const p of launchedPids) expect(await waitGone(p, 2000)).toEqual([]);
    const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
    expect(stdout.trim()).toBe('');
    await expect(renderer.renderPdf(html, css)).rejects.toMatchObject({ reason: 'renderer_closed' });
  });
});
