/**
 * The naive way to make a certificate, the baseline of the render benches: a fresh browser per
 * certificate (launch, setContent, pdf or screenshot, close), fonts and images served from memory.
 */
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { chromiumExecutable } from '../../src/embedded/chromium.js';
import { chromiumArgs } from '../../src/rendering/chromium-launch.js';
import { loadFont } from '../../src/rendering/fonts.js';
import { FONT_PREFIX } from '../../src/template/font-faces.js';
import { buildDocument } from '../../src/template/template.js';
import { IMAGES_PREFIX, makeLoadAsset } from '../../test/integration/rendering/fixtures.js';
import { groupCpuMs } from './proc-stats.js';

/** The pool's binary (the headless shell when installed). */
export const EXE = chromiumExecutable(process.env.CHROMIUM_PATH);
/** Full Chromium, the browser a naive service would launch (the issue's ~1.1 s per certificate). */
export const FULL_CHROMIUM = '/usr/bin/chromium';
export const assetPrefixes = [IMAGES_PREFIX];
const loadAsset = makeLoadAsset();

/** Serve fonts + images from memory for a puppeteer page (what the naive path needs to be equivalent). */
export async function serveAssets(req: HTTPRequest): Promise<void> {
  const url = req.url();
  const font = url.startsWith(FONT_PREFIX) ? loadFont(url) : null;
  const img = font ? null : await loadAsset(url, { headers: {} });
  const a = font ?? img;
  if (a)
    await req.respond({
      status: 200,
      contentType: a.contentType,
      headers: { 'access-control-allow-origin': '*' },
      body: Buffer.from(a.body),
    });
  else await req.abort('blockedbyclient');
}

/** A new page of `browser` as the benches use it: JavaScript off, every request answered by `serve`. */
export async function servedPage(browser: Browser, serve = serveAssets): Promise<Page> {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (r) => void serve(r));
  return page;
}

export async function launch(exe = EXE): Promise<Browser> {
  return puppeteer.launch({
    executablePath: exe,
    headless: /headless[-_]shell/.test(exe) ? 'shell' : true,
    pipe: true,
    args: chromiumArgs(),
    ignoreDefaultArgs: ['--export-tagged-pdf', '--generate-pdf-document-outline', '--enable-automation'],
    defaultViewport: null,
  });
}

/** One certificate the naive way: merge (`merge`, timed too), launch, load, print or capture, close. */
export async function naiveOne(
  merge: () => Promise<{ html: string; css: string }>,
  kind: 'pdf' | 'png',
  exe: string,
): Promise<{ ms: number; cpuMs: number; bytes: number }> {
  const s = performance.now();
  const { html, css } = await merge();
  const browser = await launch(exe);
  const pid = browser.process()!.pid!;
  const page = await servedPage(browser);
  if (kind === 'png') await page.setViewport({ width: 1123, height: 794, deviceScaleFactor: 2 });
  await page.setContent(buildDocument(html, css, { assetPrefixes }), { waitUntil: 'load' });
  const out =
    kind === 'pdf'
      ? await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: false })
      : await page.screenshot({ type: 'png' });
  const cpuMs = groupCpuMs(pid);
  await browser.close();
  return { ms: performance.now() - s, cpuMs, bytes: out.length };
}
