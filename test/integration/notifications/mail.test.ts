import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'bullmq';
import { startIssuanceService, pollJob, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { startMailWorker } from '../../../src/mail/mail-worker.js';
import { mimePart, startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { waitUntil } from './receiver.js';
import { emailDeliveries } from '../../../src/metrics/domain-metrics.js';

/** The process's email delivery counter (what /metrics shows) for one outcome. */
const deliveredCount = async (outcome: string) =>
  (await emailDeliveries.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

/** Email to recipients through a real SMTP server (smtp-server on a free port). */
describe('email to recipients (pglite)', () => {
  let f: IssuanceFixture;
  let smtp: SmtpSink;
  let credentialId: string;
  const extraWorkers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink((rcpt, nth) => {
      if (rcpt.startsWith('temp')) return nth === 1 ? 451 : 250;
      if (rcpt.startsWith('bad')) return 550;
      return 250;
    });
    f = await startIssuanceService('pglite', {
      WORKERS: 'issuance,mail',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'badges@acme.example.org',
      MAIL_BACKOFF_MS: '100',
      MAIL_ATTEMPTS: '4',
      JOB_LOCK_MS: '2000',
      // Slow enough that the bulk below is still sending when its worker is killed.
      MAIL_RATE_PER_ORG: '100/s',
      // No render worker here: an email that is to carry its PDF goes without it after this.
      MAIL_PDF_WAIT_MS: '3000',
    });
    credentialId = await f.credential(await f.issuer(), { name: 'Data & <Charts>' });
  });
  afterAll(async () => {
    for (const w of extraWorkers) await w.close();
    await f?.svc.stop();
    await smtp?.close();
  });

  const alice = () => f.as('alice');
  async function issue(email: string, extra: Record<string, unknown> = {}, name = 'Ada Lovelace') {
    const user = email.split('@')[0];
    const r = await alice()('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: user, email, name }, ...extra },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.result.entityId as string;
  }
  const status = async (id: string) => (await alice()('GET', `/assertions/${id}/notifications`)).body.result;
  const to = (addr: string) => smtp.messages.filter((m) => m.to.includes(addr));

  it('sends one multipart email with the links and escaped values when notify is true', async () => {
    const id = await issue('ada@example.org', { notify: true }, 'Ada <b>"Lovelace"</b> & co');
    await waitUntil(() => to('ada@example.org').length > 0, 20_000, 'email');
    await new Promise((r) => setTimeout(r, 500));
    const mails = to('ada@example.org');
    expect(mails).toHaveLength(1);
    const raw = mails[0].raw;
    expect(raw).toMatch(/Content-Type: multipart\/alternative/i);
    const html = mimePart(raw, 'text/html')!;
    const text = mimePart(raw, 'text/plain')!;
    expect(html).toContain(`${f.svc.url}/v/${id}`);
    expect(text).toContain(`${f.svc.url}/v/${id}`);
    expect(html).toContain('Ada &lt;b&gt;&quot;Lovelace&quot;&lt;/b&gt; &amp; co');
    expect(html).not.toContain('<b>"Lovelace"</b>');
    expect(html).toContain('Data &amp; &lt;Charts&gt;');
    expect(html).toMatch(/<img src="http[^"]+"/);
    expect(text).toContain('Ada <b>"Lovelace"</b> & co');
    expect(raw).toMatch(/^Subject: .*Data & <Charts>/m);
    expect(await status(id)).toEqual([
      expect.objectContaining({ event: 'assertion.issued', status: 'sent', attempts: 1, last_error: null }),
    ]);
  });

  it("the issued email carries the recipient's claim link; it opens the page with the wallet section", async () => {
    const id = await issue('wally@example.org', { notify: true }, 'Wally');
    await waitUntil(() => to('wally@example.org').length > 0, 20_000, 'email');
    const raw = to('wally@example.org')[0].raw;
    const html = mimePart(raw, 'text/html')!;
    const text = mimePart(raw, 'text/plain')!;
    const link = new RegExp(`${f.svc.url}/v/${id}\\?claim=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)`);
    const claimUrl = text.match(link)?.[0];
    expect(claimUrl, text).toBeDefined();
    // Handlebars escapes "=" in attribute values (&#x3D;), which a mail client reads back as "=".
    expect(html.replace(/&#x3D;/g, '=')).toContain(`<a href="${claimUrl}">Add it to your wallet</a>`);

    const page = await f.get(claimUrl!, { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('private, no-store');
    expect(page.text).toContain('data-section="wallet"');
    expect(page.text).toMatch(/<img[^>]+src="data:image\/png;base64,[^"]+"[^>]+data-field="wallet-qr"/);
    expect(page.text).not.toContain('data-field="wallet-problem"');
    // The same page without the link: no wallet section.
    expect((await f.get(`${f.svc.url}/v/${id}`, { accept: 'text/html' })).text).not.toContain('data-section="wallet"');
  });

  it('sends nothing without notify (org default off); the org default and sender settings apply', async () => {
    const quiet = await issue('quiet@example.org');
    expect(await status(quiet)).toEqual([]);
    const put = await alice()('PUT', '/mail-settings', {
      body: { notify_default: true, sender_name: 'Acme Badges', reply_to: 'help@acme.example.org' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await issue('loud@example.org');
    await waitUntil(() => to('loud@example.org').length > 0, 20_000, 'email');
    const raw = to('loud@example.org')[0].raw;
    expect(raw).toMatch(/^From: "?Acme Badges"? <badges@acme\.example\.org>/m);
    expect(raw).toMatch(/^Reply-To: help@acme\.example\.org/m);
    expect(to('quiet@example.org')).toEqual([]);
    // Revocations email only when notify_on_revoke is on (it is not yet).
    const revoked = await alice()('PUT', `/assertions/${quiet}`, { body: { revoked: true, revocationReason: 'x' } });
    expect(revoked.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect(to('quiet@example.org')).toEqual([]);
    expect(await status(quiet)).toEqual([]);
  });

  it('attach_pdf: with no certificate rendered in time, the email goes without it and says why', async () => {
    expect((await alice()('PUT', '/mail-settings', { body: { attach_pdf: true } })).status).toBe(200);
    try {
      const t0 = Date.now();
      const id = await issue('nopdf@example.org', { notify: true });
      await waitUntil(() => to('nopdf@example.org').length > 0, 30_000, 'email');
      // It waited (2 s, then the rest of the 3 s bound) before going without.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
      expect(to('nopdf@example.org')[0].raw).not.toMatch(/application\/pdf/i);
      await waitUntil(async () => (await status(id))[0]?.status === 'sent', 10_000, 'sent');
      expect((await status(id))[0].last_error).toMatch(/sent without the PDF: not rendered within 3 s/);
    } finally {
      expect((await alice()('PUT', '/mail-settings', { body: { attach_pdf: false } })).status).toBe(200);
    }
  });

  it('retries an SMTP 451 and then succeeds; records a 550 as failed', async () => {
    const before = { sent: 0, retrying: 0, failed: 0 };
    for (const k of Object.keys(before) as (keyof typeof before)[]) before[k] = await deliveredCount(k);
    const temp = await issue('temp@example.org', { notify: true });
    const bad = await issue('bad@example.org', { notify: true });
    await waitUntil(async () => (await status(temp))[0]?.status === 'sent', 20_000, 'temp sent');
    await waitUntil(async () => (await status(bad))[0]?.status === 'failed', 20_000, 'bad failed');
    expect((await status(temp))[0]).toMatchObject({ attempts: 2 });
    expect(to('temp@example.org')).toHaveLength(1);
    const failed = (await status(bad))[0];
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toMatch(/550/);
    // Issue 17: the metrics count each attempt's outcome.
    expect((await deliveredCount('retrying')) - before.retrying).toBeGreaterThanOrEqual(1);
    expect((await deliveredCount('sent')) - before.sent).toBeGreaterThanOrEqual(1);
    expect((await deliveredCount('failed')) - before.failed).toBeGreaterThanOrEqual(1);
  });

  it('checks org templates as certificate templates and uses them', async () => {
    for (const html_template of ['<img src="https://evil.example/x.png">', '<p>{{{recipient.name}}}</p>', '{{nope']) {
      const r = await alice()('PUT', '/mail-settings', { body: { html_template } });
      expect(r.status, html_template).toBe(400);
    }
    const ok = await alice()('PUT', '/mail-settings', {
      body: {
        html_template: '<p>Well done {{recipient.name}}: <a href="{{verification_url}}">{{credential.name}}</a></p>',
        text_template: 'Well done {{recipient.name}}: {{verification_url}}',
        subject: 'Congratulations {{recipient.name}}',
        notify_on_revoke: true,
      },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const id = await issue('custom@example.org', {}, 'Cy <i>');
    await waitUntil(() => to('custom@example.org').length > 0, 20_000, 'email');
    const raw = to('custom@example.org')[0].raw;
    expect(raw).toMatch(/^Subject: Congratulations Cy <i>/m);
    expect(mimePart(raw, 'text/html')).toContain('Well done Cy &lt;i&gt;');
    // Revocation, with notify_on_revoke.
    expect((await alice()('PUT', `/assertions/${id}`, { body: { revoked: true, revocationReason: 'x' } })).status).toBe(
      200,
    );
    await waitUntil(() => to('custom@example.org').length > 1, 20_000, 'revocation email');
    expect(to('custom@example.org')[1].raw).toMatch(/^Subject: Your credential .* was revoked/m);
    // A claim link is a bearer secret for the issued email only; a revocation notice has none.
    expect(to('custom@example.org')[1].raw).not.toContain('claim=');
  });

  it('a bulk sends one email per recipient, with no duplicates when the mail worker is killed mid-bulk', async () => {
    const users = Array.from({ length: 300 }, (_, i) => ({
      user_id: `b${i}`,
      email: `b${i}@bulk.example.org`,
      name: `Bulk ${i}`,
    }));
    const r = await alice()('POST', `/${credentialId}/assertions/bulk/`, { body: { users, notify: true } });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    if (r.status === 202) await pollJob(alice(), r.body.job_id, (s: { state: string }) => s.state === 'completed');
    const bulkMails = () => smtp.messages.filter((m) => m.to[0].endsWith('@bulk.example.org'));
    await waitUntil(() => bulkMails().length >= 20, 30_000, 'some emails');
    // Kill the mail worker mid-bulk (in-flight jobs abandoned), then start another.
    const w = f.svc.service.workers.find((x: Worker) => x.name === 'mail')!;
    await w.close(true);
    const sentBefore = bulkMails().length;
    expect(sentBefore).toBeLessThan(300);
    extraWorkers.push(startMailWorker(f.svc.service.runtime));
    await waitUntil(() => bulkMails().length >= 300, 60_000, 'all bulk emails');
    await new Promise((res) => setTimeout(res, 3000));
    const counts = new Map<string, number>();
    for (const m of bulkMails()) counts.set(m.to[0], (counts.get(m.to[0]) ?? 0) + 1);
    expect(counts.size).toBe(300);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
  });
});
