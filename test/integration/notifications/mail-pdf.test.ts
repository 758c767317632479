import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuanceService, type IssuanceFixture } from '../issuance/issuance-fixture.js';
import { mimeBytes, startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { waitUntil } from './receiver.js';

/** `attach_pdf`: the issuance email carries the rendered certificate (real SMTP server, real Chromium render). */
describe('email with the certificate PDF attached (pglite)', () => {
  let f: IssuanceFixture;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    f = await startIssuanceService('pglite', {
      WORKERS: 'issuance,render,mail',
      RENDER_PAGES: '1',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'badges@acme.example.org',
    });
  });
  afterAll(async () => {
    await f?.svc.stop();
    await smtp?.close();
  });

  it('waits for the render and attaches the same PDF the download serves', async () => {
    const alice = f.as('alice');
    const credentialId = await f.credential(await f.issuer(), { name: 'Attached' });
    const put = await alice('PUT', '/mail-settings', { body: { attach_pdf: true } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.result.attach_pdf).toBe(true);

    const r = await alice('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: 'pat', email: 'pat@example.org', name: 'Pat Doe' }, notify: true },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.result.entityId as string;
    await waitUntil(() => smtp.messages.some((m) => m.to.includes('pat@example.org')), 90_000, 'email');
    const raw = smtp.messages.find((m) => m.to.includes('pat@example.org'))!.raw;
    expect(raw).toMatch(/Content-Type: multipart\/mixed/i);
    expect(raw).toMatch(/Content-Disposition: attachment; filename=attached-pat-doe\.pdf/i);
    const pdf = mimeBytes(raw, 'application/pdf')!;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const download = await fetch(`${f.svc.url}/api/credentials/public/assertions/${id}/certificate.pdf`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
    const notes = (await alice('GET', `/assertions/${id}/notifications`)).body.result;
    expect(notes).toEqual([expect.objectContaining({ event: 'assertion.issued', status: 'sent', last_error: null })]);
  }, 120_000);
});

describe('an issuance email still waiting for its PDF when the assertion is revoked (pglite)', () => {
  let f: IssuanceFixture;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    // No render worker: the PDF never comes, so the email keeps waiting for it.
    f = await startIssuanceService('pglite', {
      WORKERS: 'issuance,mail',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'badges@acme.example.org',
      MAIL_PDF_WAIT_MS: '600000',
    });
  });
  afterAll(async () => {
    await f?.svc.stop();
    await smtp?.close();
  });

  it('is not sent: no certificate or claim link goes out for a revoked award', async () => {
    const alice = f.as('alice');
    const credentialId = await f.credential(await f.issuer(), { name: 'Withdrawn' });
    expect((await alice('PUT', '/mail-settings', { body: { attach_pdf: true } })).status).toBe(200);
    const r = await alice('POST', `/${credentialId}/assertions/`, {
      body: { recipient: { user_id: 'lee', email: 'lee@example.org', name: 'Lee Roe' }, notify: true },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.result.entityId as string;
    const revoked = await alice('PUT', `/assertions/${id}`, { body: { revoked: true, revocationReason: 'Error' } });
    expect(revoked.status).toBe(200);
    const issuedNote = async () =>
      (
        (await alice('GET', `/assertions/${id}/notifications`)).body.result as {
          event: string;
          status: string;
          last_error: string | null;
        }[]
      ).find((n) => n.event === 'assertion.issued');
    await waitUntil(async () => (await issuedNote())?.status === 'skipped', 30_000, 'issued email skipped');
    expect((await issuedNote())?.last_error).toBe('revoked before sending');
    expect(smtp.messages.filter((m) => m.to.includes('lee@example.org'))).toEqual([]);
  }, 60_000);
});
