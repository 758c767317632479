import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findChromium } from '../../../src/embedded/chromium.js';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';

/** /studio in a real headless Chromium: sign in, pick a credential, edit, see the preview change, break, save. */
const HTML = '<main class="cert">\n<h1>{{recipient.name}}</h1>\n<p>{{credential.name}}</p>\n</main>';
const CSS = '.cert { width: 100%; height: 100vh; background: #ffffff; }\nh1 { color: #000000; }';
const WAIT = { timeout: 60_000 };

/** The shown preview, measured in the page: its size and the share of its pixels that are clearly green. */
function measurePreview(page: Page) {
  return page.$eval('#preview', (img) => {
    const el = img as HTMLImageElement;
    const canvas = document.createElement('canvas');
    canvas.width = el.naturalWidth;
    canvas.height = el.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(el, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let green = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 1] > 140 && data[i] < 60 && data[i + 2] < 60) green++;
    return { width: el.naturalWidth, seq: Number(el.dataset.seq), green: green / (data.length / 4) };
  });
}

describe('template studio', () => {
  let f: IssuanceFixture;
  let browser: Browser;
  let credentialId: string;
  beforeAll(async () => {
    f = await startIssuanceService('pglite');
    credentialId = await f.credential(await f.issuer(), {
      name: 'Studio badge',
      html_template: HTML,
      css_template: CSS,
    });
    browser = await puppeteer.launch({
      executablePath: findChromium(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await f?.svc.stop();
  });

  it('is one page, one script and one stylesheet of this origin, under a strict CSP', async () => {
    const res = await fetch(`${f.svc.url}/studio`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' blob: data:",
      "connect-src 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    const js = await fetch(`${f.svc.url}/studio/studio.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${f.svc.url}/studio/studio.css`)).headers.get('content-type')).toMatch(/text\/css/);
    expect((await fetch(`${f.svc.url}/studio/package.json`)).status).toBe(404);
  });

  it('answers the merge fields and whose token it is; nothing without a token', async () => {
    const r = await f.svc.api('GET', '/api/studio/context', { token: f.tokens.alice });
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({ org: 'acme', user_id: 'alice', can_edit_templates: true });
    expect(r.body.result.can_open_queue_dashboard).toBe(false);
    expect(r.body.result.merge_fields).toContainEqual(
      expect.objectContaining({ tag: 'recipient.name', use: '{{recipient.name}}' }),
    );
    expect(r.body.result.default_template.html_template).toMatch(/{{recipient\.name}}/);
    expect((await f.svc.api('GET', '/api/studio/context')).body.result.can_open_queue_dashboard).toBe(true);
    expect((await f.svc.api('GET', '/api/studio/context', { token: null })).status).toBe(401);
  });

  it('edits a credential: live preview, errors with their line, save', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const violations: string[] = [];
    const previews: number[] = [];
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(f.svc.url) && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u);
      if (r.method() === 'POST' && u.endsWith('/credentials/preview')) previews.push(Date.now());
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${f.svc.url}/studio`, { waitUntil: 'load' });
    await page.waitForSelector('#token', { visible: true });
    await page.type('#token', f.tokens.alice);
    await page.click('#signin button[type=submit]');

    await page.waitForSelector(`#credential option[value="${credentialId}"]`, WAIT);
    await page.select('#credential', credentialId);
    expect(await page.$eval('#html', (el) => (el as HTMLTextAreaElement).value)).toBe(HTML);
    await page.waitForSelector('#preview[data-seq]', WAIT);
    await page.waitForFunction(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth > 0, WAIT);
    const before = await measurePreview(page);
    expect(before.width).toBeGreaterThan(1000);
    expect(before.green).toBeLessThan(0.01);

    // Typed fast, a change asks for one preview after the pause, not one per key.
    const typed = '\n.cert { background: #00aa00; }';
    await page.focus('#css');
    await page.evaluate(() => {
      const css = document.getElementById('css') as HTMLTextAreaElement;
      css.setSelectionRange(css.value.length, css.value.length);
    });
    const sentBefore = previews.length;
    await page.keyboard.type(typed, { delay: 5 });
    // The last preview (the whole change typed) is the one that turns the page green.
    await vi.waitFor(async () => expect((await measurePreview(page)).green).toBeGreaterThan(0.5), {
      timeout: 60_000,
      interval: 250,
    });
    const after = await measurePreview(page);
    expect(after.green).toBeGreaterThan(0.5);
    expect(previews.length - sentBefore).toBeLessThanOrEqual(3);
    expect(previews.length - sentBefore).toBeLessThan(typed.length / 4);

    // A broken template: the check's error, with its line, listed; a click selects that line.
    const broken = '\n<p>{{recipient.nmae}}</p>';
    await page.focus('#html');
    await page.evaluate(() => {
      const html = document.getElementById('html') as HTMLTextAreaElement;
      html.setSelectionRange(html.value.length, html.value.length);
    });
    await page.keyboard.type(broken);
    const problem = (
      await page.waitForFunction(
        () => [...document.querySelectorAll('#errors li')].find((li) => /recipient\.nmae/.test(li.textContent!)),
        WAIT,
      )
    ).asElement() as ElementHandle<HTMLLIElement>;
    expect(await problem.evaluate((li) => [li.dataset.line, li.textContent])).toEqual([
      '5',
      expect.stringMatching(/^html_template line 5: .*recipient\.nmae/),
    ]);
    expect(await page.$eval('#preview', (img) => img.classList.contains('stale'))).toBe(true);
    await problem.click();
    const selected = await page.$eval('#html', (el) => {
      const t = el as HTMLTextAreaElement;
      return t.value.slice(t.selectionStart, t.selectionEnd);
    });
    expect(selected).toBe('<p>{{recipient.nmae}}</p>');

    // Fixed by clicking a merge field onto the selection; the errors go, then Save.
    await page.click('#fields td:nth-child(2) code[data-use="{{recipient.user_id}}"]');
    await page.waitForFunction(() => document.querySelectorAll('#errors li').length === 0, WAIT);
    const html = await page.$eval('#html', (el) => (el as HTMLTextAreaElement).value);
    expect(html).toBe(`${HTML}\n{{recipient.user_id}}`);
    await page.click('#save');
    await page.waitForFunction(() => /^Saved/.test(document.getElementById('status')!.textContent!), WAIT);

    const saved = await f.as('alice')('GET', `/${credentialId}`);
    expect(saved.body.result.html_template).toBe(html);
    expect(saved.body.result.css_template).toBe(CSS + typed);
    expect(saved.body.result.template_version).toBeGreaterThan(1);

    // The token stays for the tab: a reload opens the studio without asking again.
    expect(await page.evaluate(() => sessionStorage.getItem('badgeworks.studio.token'))).toBe(f.tokens.alice);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(`#credential option[value="${credentialId}"]`, WAIT);
    expect(await page.$eval('#signin', (el) => (el as HTMLElement).hidden)).toBe(true);

    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  }, 180_000);

  it('refuses a bad token and a student, saying why', async () => {
    const page = await browser.newPage();
    await page.goto(`${f.svc.url}/studio`, { waitUntil: 'load' });
    for (const [token, said] of [
      ['bw_nope_nope_nope_nope', /not valid/],
      [f.tokens.sam, /sam is not a platform admin of acme/],
    ] as const) {
      await page.waitForSelector('#token', { visible: true });
      await page.$eval('#token', (el) => ((el as HTMLInputElement).value = ''));
      await page.type('#token', token);
      await page.click('#signin button[type=submit]');
      await page.waitForFunction(() => document.getElementById('signin-error')!.textContent !== '', WAIT);
      expect(await page.$eval('#signin-error', (el) => el.textContent)).toMatch(said);
      expect(await page.$eval('#studio', (el) => (el as HTMLElement).hidden)).toBe(true);
      expect(await page.evaluate(() => sessionStorage.getItem('badgeworks.studio.token'))).toBeNull();
      await page.$eval('#signin-error', (el) => (el.textContent = ''));
    }
    await page.close();
  }, 60_000);

  it("gives the main org's platform admin a button that opens the queue dashboard with its cookie", async () => {
    const page = await browser.newPage();
    await page.goto(`${f.svc.url}/studio`, { waitUntil: 'load' });
    await page.waitForSelector('#token', { visible: true });
    await page.type('#token', f.svc.adminToken);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#dashboard', { visible: true, ...WAIT });
    await page.click('#dashboard');
    const target = await browser.waitForTarget((t) => t.url() === `${f.svc.url}/admin/queues`, WAIT);
    const dashboard = (await target.page())!;
    // bull-board's own UI runs (under helmet's CSP) and lists every queue through the cookie.
    await dashboard.waitForFunction(
      () => ['issuance', 'render', 'webhooks', 'mail'].every((q) => document.body.innerText.includes(q)),
      WAIT,
    );
    expect(await dashboard.content()).toContain('badgeworks queues');
    // The page's own API calls ride on the HttpOnly cookie, which the page's script cannot read.
    const api = await dashboard.evaluate(async () => (await fetch('/admin/queues/api/queues')).status);
    expect(api).toBe(200);
    expect(await dashboard.evaluate(() => document.cookie)).toBe('');
    await dashboard.close();
    await page.close();
  }, 60_000);
});
