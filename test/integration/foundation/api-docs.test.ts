import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../../src/embedded/chromium.js';
import { startTestService, type TestService } from '../../support/harness.js';

/** /api/docs is Swagger UI served from the installed package, checked in a real browser. */
describe('interactive API reference', () => {
  let svc: TestService;
  let browser: Browser;
  beforeAll(async () => {
    svc = await startTestService({ workers: false });
    browser = await puppeteer.launch({
      executablePath: findChromium(),
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('renders every operation of /api/openapi.json from this origin only, under a CSP without inline scripts', async () => {
    const res = await fetch(`${svc.url}/api/docs`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(await res.text()).not.toMatch(/https?:\/\//);

    const page = await browser.newPage();
    const requests: string[] = [];
    const violations: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${svc.url}/api/docs`, { waitUntil: 'load' });
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const doc = (await svc.api('GET', '/api/openapi.json', { token: null })).body;
    const operations = Object.values(doc.paths as Record<string, object>).reduce(
      (n, m) => n + Object.keys(m).length,
      0,
    );
    expect(await page.$$eval('.opblock', (els) => els.length)).toBe(operations);
    expect(await page.$eval('.title', (el) => el.textContent)).toMatch(/badgeworks/);
    expect(violations).toEqual([]);
    expect(requests.every((u) => u.startsWith(svc.url) || u.startsWith('data:'))).toBe(true);
    await page.close();
  });

  it('serves only the two assets it needs; the plain reference needs no script', async () => {
    expect((await fetch(`${svc.url}/api/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
    expect((await fetch(`${svc.url}/api/docs/assets/package.json`)).status).toBe(404);
    expect((await fetch(`${svc.url}/api/docs/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    const plain = await fetch(`${svc.url}/api/docs/reference`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).not.toMatch(/<script/);
  });
});
