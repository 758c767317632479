import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { attachCredentialToPdf, readPdfCredential } from '../../../src/openbadges/pdf-credential.js';

const JWT = 'eyJhbGciOiJFZERTQSIsInR5cCI6InZjK2p3dCJ9.eyJzdWIiOiJkaWQ6ZXhhbXBsZToxMjMifQ.c2lnbmF0dXJl';
const URL_ = 'https://badges.example.test/api/credentials/public/assertions/abc/';

async function blankPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([841.92, 594.96]);
  return doc.save();
}

describe('attachCredentialToPdf / readPdfCredential', () => {
  it('round-trips the VC-JWT and the verification URL', async () => {
    const out = await attachCredentialToPdf(await blankPdf(), {
      jwt: JWT,
      verificationUrl: URL_,
      title: 'Data Analysis — Ada Lovelace',
      assertionId: 'abc',
    });
    const read = await readPdfCredential(out);
    expect(read).toEqual({
      jwt: JWT,
      verificationUrl: URL_,
      assertionId: 'abc',
      title: 'Data Analysis — Ada Lovelace',
    });

    const doc = await PDFDocument.load(out);
    expect(doc.getSubject()).toBe(URL_);
    expect(doc.getKeywords()).toContain(`verify:${URL_}`);
    expect(doc.getPageCount()).toBe(1);
    const raw = Buffer.from(out).toString('latin1');
    expect(raw).toContain('/EmbeddedFiles');
    expect(raw).toMatch(/application#2Fvc\+jwt|application\/vc\+jwt/);
  });

  it('reads nothing from a PDF without a credential', async () => {
    expect(await readPdfCredential(await blankPdf())).toEqual({});
  });

  it('refuses a non-JWS credential and an unreadable PDF', async () => {
    await expect(
      attachCredentialToPdf(await blankPdf(), { jwt: 'not a jwt', verificationUrl: URL_ }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(readPdfCredential(Buffer.from('hello'))).rejects.toBeInstanceOf(ValidationError);
  });
});
