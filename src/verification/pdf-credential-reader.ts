import { ValidationError } from '../errors.js';
import { MAX_PDF_ATTACHMENT_BYTES } from './input-limits.js';
import { isDict, PdfReader, PdfStream, pdfText, type PdfDict, type PdfValue } from './pdf-reader.js';

/**
 * Gets the signed credential back out of a certificate PDF (see openbadges/pdf-credential.ts for
 * how it goes in): the `credential.jwt` embedded file, and the verification URL and assertion id
 * from the document information. Only that one attachment is decoded, at most 1 MiB of it; the
 * rest of the file is never inflated. No pdf-lib here: the upload worker threads load this file.
 */

export const CREDENTIAL_ATTACHMENT_NAME = 'credential.jwt';
/** Issue 14: the attachment of a credential signed with Data Integrity only. */
export const CREDENTIAL_JSON_ATTACHMENT_NAME = 'credential.json';

export interface PdfCredential {
  jwt?: string;
  /** The credential.json attachment (text), when there is no credential.jwt. */
  json?: string;
  verificationUrl?: string;
  assertionId?: string;
  title?: string;
}

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Name tree nodes visited at most (a tree this big is not a certificate's). */
const MAX_NAME_TREE_NODES = 1000;

export function readPdfCredentialBounded(pdf: Uint8Array): PdfCredential {
  const reader = new PdfReader(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
  const trailer = reader.trailer();
  const catalog = reader.get(trailer, 'Root');
  if (!isDict(catalog)) throw new ValidationError('not a readable PDF: no document catalog');
  const out: PdfCredential = {};
  const stream = credentialStream(reader, catalog, CREDENTIAL_ATTACHMENT_NAME);
  if (stream) {
    const bytes = reader.decode(stream, MAX_PDF_ATTACHMENT_BYTES, `The ${CREDENTIAL_ATTACHMENT_NAME} attachment`);
    const text = bytes.toString('utf8').trim();
    if (JWS_COMPACT.test(text)) out.jwt = text;
  }
  const jsonStream = out.jwt ? undefined : credentialStream(reader, catalog, CREDENTIAL_JSON_ATTACHMENT_NAME);
  if (jsonStream) {
    const what = `The ${CREDENTIAL_JSON_ATTACHMENT_NAME} attachment`;
    const text = reader.decode(jsonStream, MAX_PDF_ATTACHMENT_BYTES, what).toString('utf8').trim();
    if (text.startsWith('{')) out.json = text;
  }
  const infoValue = reader.get(trailer, 'Info');
  const info = isDict(infoValue) ? infoValue : undefined;
  const url = pdfText(reader.get(info, 'VerificationURL')) ?? pdfText(reader.get(info, 'Subject'));
  if (url && /^https?:\/\//i.test(url)) out.verificationUrl = url;
  const aid = pdfText(reader.get(info, 'AssertionId'));
  if (aid) out.assertionId = aid;
  const title = pdfText(reader.get(info, 'Title'));
  if (title) out.title = title;
  return out;
}

/** The embedded file stream of that name in the EmbeddedFiles name tree (Kids included). */
function credentialStream(reader: PdfReader, catalog: PdfDict, name: string): PdfStream | undefined {
  const names = reader.get(catalog, 'Names');
  const root = isDict(names) ? reader.get(names, 'EmbeddedFiles') : undefined;
  // Breadth-first with an index, not shift(); kids are resolved only when their turn comes, and
  // no more are queued than could ever be visited.
  const queue: { node: PdfValue | undefined; depth: number }[] = [{ node: root, depth: 0 }];
  const seen = new Set<PdfDict>();
  for (let i = 0; i < queue.length && seen.size < MAX_NAME_TREE_NODES; i++) {
    const node = reader.resolve(queue[i].node);
    const depth = queue[i].depth;
    if (!isDict(node) || seen.has(node) || depth > 32) continue;
    seen.add(node);
    const pairs = reader.get(node, 'Names');
    if (Array.isArray(pairs)) {
      for (let k = 0; k + 1 < pairs.length; k += 2) {
        if (pdfText(reader.resolve(pairs[k])) !== name) continue;
        const spec = reader.resolve(pairs[k + 1]);
        const ef = isDict(spec) ? reader.get(spec, 'EF') : undefined;
        const file = isDict(ef) ? (reader.get(ef, 'F') ?? reader.get(ef, 'UF')) : undefined;
        if (file instanceof PdfStream) return file;
      }
    }
    const kids = reader.get(node, 'Kids');
    if (!Array.isArray(kids)) continue;
    for (const kid of kids) {
      if (queue.length >= MAX_NAME_TREE_NODES) break;
      queue.push({ node: kid, depth: depth + 1 });
    }
  }
  return undefined;
}
