/**
 * PDF post-processing (pure, pdf-lib): make a certificate PDF carry its own proof.
 *
 * - the signed VC-JWT is attached as the embedded file `credential.jwt` (MIME `application/vc+jwt`,
 *   AFRelationship Data — PDF/A-3 style), listed in the catalog's EmbeddedFiles and /AF; for an
 *   issuer that signs no VC-JWT, the credential JSON with its Data Integrity proof as `credential.json`;
 * - document metadata: Title = credential name, Subject = the public verification URL,
 *   Keywords = `OpenBadgeCredential`, `verify:<url>`, `assertion:<id>`; custom Info keys
 *   `VerificationURL` and `AssertionId`; Creator/Producer = badgeworks.
 *
 * readPdfCredential() gets both back from an uploaded PDF (the verifier then checks the JWT).
 */
import { AFRelationship, PDFDict, PDFDocument, PDFHexString, PDFName } from 'pdf-lib';
import { stripBidiControls } from '../template/bidi-text.js';
import { ValidationError } from '../errors.js';
import {
  CREDENTIAL_ATTACHMENT_NAME,
  CREDENTIAL_JSON_ATTACHMENT_NAME,
  readPdfCredentialBounded,
  type PdfCredential,
} from '../verification/pdf-credential-reader.js';

export { CREDENTIAL_ATTACHMENT_NAME, type PdfCredential };
export const CREDENTIAL_ATTACHMENT_MIME = 'application/vc+jwt';

export interface PdfCredentialInput {
  /** the signed VC-JWT (compact JWS); without one, `credentialJson` is attached as credential.json */
  jwt?: string;
  /** the credential JSON with its embedded Data Integrity proof (issuers that sign no VC-JWT) */
  credentialJson?: string;
  /** the public verification page of the assertion */
  verificationUrl: string;
  /** PDF Title (e.g. "<credential name> — <recipient name>") */
  title?: string;
  assertionId?: string;
  author?: string;
  /** extra keywords */
  keywords?: string[];
  /** issue date, used for the attachment and document dates; default now */
  issuedOn?: Date;
}

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Returns a new PDF with the credential attached and the metadata set. */
export async function attachCredentialToPdf(pdf: Uint8Array, input: PdfCredentialInput): Promise<Buffer> {
  const jwt = input.jwt?.trim();
  if (jwt !== undefined && !JWS_COMPACT.test(jwt))
    throw new ValidationError('credential must be a compact JWS (VC-JWT)');
  if (jwt === undefined && !input.credentialJson?.trim().startsWith('{')) {
    throw new ValidationError('credential must be a VC-JWT or a JSON credential');
  }
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const when = input.issuedOn ?? new Date();
  const attachment =
    jwt !== undefined
      ? { name: CREDENTIAL_ATTACHMENT_NAME, mime: CREDENTIAL_ATTACHMENT_MIME, text: jwt, what: 'VC-JWT' }
      : {
          name: CREDENTIAL_JSON_ATTACHMENT_NAME,
          mime: 'application/vc+ld+json',
          text: input.credentialJson!,
          what: 'JSON with a Data Integrity proof',
        };
  await doc.attach(new TextEncoder().encode(attachment.text), attachment.name, {
    mimeType: attachment.mime,
    description: `Signed Open Badges 3.0 credential (${attachment.what}). Verify it at the URL in the document Subject.`,
    creationDate: when,
    modificationDate: when,
    afRelationship: AFRelationship.Data,
  });
  // a U+202E in a recipient name would reorder the whole title bar: metadata carries no bidi controls
  if (input.title) doc.setTitle(stripBidiControls(input.title), { showInWindowTitleBar: true });
  doc.setSubject(input.verificationUrl);
  doc.setKeywords([
    'OpenBadgeCredential',
    `verify:${input.verificationUrl}`,
    ...(input.assertionId ? [`assertion:${input.assertionId}`] : []),
    ...(input.keywords ?? []),
  ]);
  if (input.author) doc.setAuthor(stripBidiControls(input.author));
  doc.setCreator('badgeworks');
  doc.setProducer('badgeworks (Chromium, pdf-lib)');
  doc.setCreationDate(when);
  doc.setModificationDate(when);
  const info = infoDict(doc);
  info.set(PDFName.of('VerificationURL'), PDFHexString.fromText(input.verificationUrl));
  if (input.assertionId) info.set(PDFName.of('AssertionId'), PDFHexString.fromText(input.assertionId));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/**
 * Reads the embedded VC-JWT and the verification URL of a certificate PDF (whatever is present).
 * Untrusted files go through a bounded reader of our own rather than pdf-lib, which inflates
 * object streams at load without a cap: only the credential.jwt attachment is decoded, capped.
 */
export async function readPdfCredential(pdf: Uint8Array): Promise<PdfCredential> {
  return readPdfCredentialBounded(pdf);
}

/** The document Info dictionary (pdf-lib keeps its getter private; setTitle etc. create it). */
function infoDict(doc: PDFDocument): PDFDict {
  return (doc as unknown as { getInfoDict(): PDFDict }).getInfoDict();
}
