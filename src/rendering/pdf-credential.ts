/**
 * PDF post-processing (pure, pdf-lib): make a certificate PDF carry its own proof.
 *
 * - the signed VC-JWT is attached as the embedded file `credential.jwt` (MIME `application/vc+jwt`,
 *   AFRelationship Data — PDF/A-3 style), listed in the catalog's EmbeddedFiles and /AF;
 * - document metadata: Title = credential name, Subject = the public verification URL,
 *   Keywords = `OpenBadgeCredential`, `verify:<url>`, `assertion:<id>`; custom Info keys
 *   `VerificationURL` and `AssertionId`; Creator/Producer = badgeworks.
 *
 * readPdfCredential() gets both back from an uploaded PDF (the verifier then checks the JWT).
 */
import {
  AFRelationship,
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFStream,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { stripBidiControls } from './bidi-text.js';
import { ValidationError } from '../errors.js';

export const CREDENTIAL_ATTACHMENT_NAME = 'credential.jwt';
export const CREDENTIAL_ATTACHMENT_MIME = 'application/vc+jwt';

export interface PdfCredentialInput {
  /** the signed VC-JWT (compact JWS) */
  jwt: string;
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
  const jwt = input.jwt.trim();
  if (!JWS_COMPACT.test(jwt)) throw new ValidationError('credential must be a compact JWS (VC-JWT)');
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const when = input.issuedOn ?? new Date();
  await doc.attach(new TextEncoder().encode(jwt), CREDENTIAL_ATTACHMENT_NAME, {
    mimeType: CREDENTIAL_ATTACHMENT_MIME,
    description: 'Signed Open Badges 3.0 credential (VC-JWT). Verify it at the URL in the document Subject.',
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

export interface PdfCredential {
  jwt?: string;
  verificationUrl?: string;
  assertionId?: string;
  title?: string;
}

/** Reads the embedded VC-JWT and the verification URL of a certificate PDF (whatever is present). */
export async function readPdfCredential(pdf: Uint8Array): Promise<PdfCredential> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: false });
  } catch (e) {
    throw new ValidationError(`not a readable PDF: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return credentialParts(doc);
  } catch (e) {
    // pdf-lib loads leniently; a file missing its catalog or info dictionary fails only here.
    throw new ValidationError(`not a readable PDF: ${(e as Error).message.split('\n')[0]}`);
  }
}

function credentialParts(doc: PDFDocument): PdfCredential {
  const out: PdfCredential = {};
  const files = embeddedFiles(doc);
  const bytes = files.get(CREDENTIAL_ATTACHMENT_NAME);
  if (bytes) {
    const text = new TextDecoder().decode(bytes).trim();
    if (JWS_COMPACT.test(text)) out.jwt = text;
  }
  const info = infoDict(doc);
  const custom = text(info.lookup(PDFName.of('VerificationURL')));
  const subject = doc.getSubject();
  const url = custom ?? subject;
  if (url && /^https?:\/\//i.test(url)) out.verificationUrl = url;
  const aid = text(info.lookup(PDFName.of('AssertionId')));
  if (aid) out.assertionId = aid;
  const title = doc.getTitle();
  if (title) out.title = title;
  return out;
}

/** The document Info dictionary (pdf-lib keeps its getter private; setTitle etc. create it). */
function infoDict(doc: PDFDocument): PDFDict {
  return (doc as unknown as { getInfoDict(): PDFDict }).getInfoDict();
}

function text(o: PDFObject | undefined): string | undefined {
  if (o instanceof PDFString || o instanceof PDFHexString) return o.decodeText();
  return undefined;
}

/** Embedded files by name (the EmbeddedFiles name tree, Kids included). */
function embeddedFiles(doc: PDFDocument): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const root = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  const seen = new Set<PDFDict>();
  const walk = (node: PDFDict | undefined, depth: number) => {
    if (!node || depth > 16 || seen.has(node)) return;
    seen.add(node);
    const arr = node.lookupMaybe(PDFName.of('Names'), PDFArray);
    if (arr) {
      for (let i = 0; i + 1 < arr.size(); i += 2) {
        const name = text(arr.lookup(i));
        const spec = arr.lookup(i + 1);
        if (!name || !(spec instanceof PDFDict) || out.has(name)) continue;
        const ef = spec.lookupMaybe(PDFName.of('EF'), PDFDict);
        const stream = ef?.lookup(PDFName.of('F'));
        if (stream instanceof PDFRawStream) out.set(name, decodePDFRawStream(stream).decode());
        else if (stream instanceof PDFStream) out.set(name, stream.getContents());
      }
    }
    const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
    if (kids) for (let i = 0; i < kids.size(); i++) walk(kids.lookupMaybe(i, PDFDict), depth + 1);
  };
  walk(root, 0);
  return out;
}
