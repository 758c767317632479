import {
  isRefusal,
  type ErrorCode,
  PayloadTooLargeError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { readBakedPng, readBakedSvg, type BakedPayload } from '../openbadges/baking.js';
import { MAX_JSON_DEPTH, MAX_JWT_CHARS, MAX_VERIFY_FILE_BYTES, nestsDeeperThan } from './input-limits.js';
import { readPdfCredentialBounded } from './pdf-credential-reader.js';

/**
 * What an uploaded file carries, reduced to something the verifier takes: a JWT, a JSON
 * credential, or the reason there is nothing to verify. This is the part of verification that
 * parses untrusted bytes; it runs in the upload worker threads (upload-inspector.ts) and has no
 * I/O. Limits are errors (413, 415, 422); a file that simply is not a badge is a verdict.
 */

export type FileKind = 'png' | 'svg' | 'pdf';

export type InspectedUpload =
  | { kind: FileKind; jwt: string }
  | { kind: FileKind; credential: Record<string, unknown> }
  | { kind: FileKind; unverified: string };

/** What the bytes are, whatever the upload claimed. */
export function sniffFile(bytes: Uint8Array): FileKind | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  // SVG is text: skip a BOM and leading whitespace, then expect markup that declares an <svg> root.
  const head = b
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.startsWith('<') && /<svg[\s>]/i.test(head)) return 'svg';
  return undefined;
}

export function inspectUpload(bytes: Uint8Array): InspectedUpload {
  if (bytes.byteLength > MAX_VERIFY_FILE_BYTES) {
    throw new PayloadTooLargeError(`The file is larger than ${MAX_VERIFY_FILE_BYTES / 1024 / 1024} MiB.`);
  }
  const kind = sniffFile(bytes);
  if (!kind) throw new UnsupportedMediaTypeError('The file must be a baked PNG or SVG badge, or a certificate PDF.');
  const label = kind.toUpperCase();
  if (kind === 'pdf') {
    const pdf = readPdfCredentialBounded(bytes);
    if (pdf.jwt) return { kind, jwt: bakedJwt(pdf.jwt, label) };
    if (pdf.json) return credentialJson(kind, pdf.json, 'attached to the PDF');
    return {
      kind,
      unverified: 'The PDF carries no embedded credential (credential.jwt or credential.json attachment).',
    };
  }
  let baked: BakedPayload;
  try {
    baked = kind === 'png' ? readBakedPng(bytes) : readBakedSvg(bytes);
  } catch (err) {
    if (err instanceof ValidationError) return { kind, unverified: `The ${label} could not be read: ${err.message}` };
    throw err;
  }
  if (baked.ob3Jwt) return { kind, jwt: bakedJwt(baked.ob3Jwt, label) };
  if (baked.ob3Json) return credentialJson(kind, baked.ob3Json, `baked in the ${label}`);
  return { kind, unverified: `The ${label} carries no baked Open Badges 3.0 credential.` };
}

function bakedJwt(jwt: string, label: string): string {
  if (jwt.length > MAX_JWT_CHARS) {
    throw new UnprocessableEntityError(`The JWT baked in the ${label} is longer than ${MAX_JWT_CHARS} characters.`);
  }
  return jwt;
}

/** The answer of a worker thread: plain data, since error classes do not cross threads. */
export type InspectionReply = { ok: true; upload: InspectedUpload } | { ok: false; code: ErrorCode; message: string };

export function inspectUploadReply(bytes: Uint8Array): InspectionReply {
  try {
    return { ok: true, upload: inspectUpload(bytes) };
  } catch (err) {
    if (isRefusal(err)) return { ok: false, code: err.code, message: err.message };
    // A parser fault on hostile input (a RangeError, say) is still the file's fault, not ours.
    return { ok: false, code: 'ERR_UNPROCESSABLE', message: 'The file could not be read.' };
  }
}

/** A credential given as JSON text (baked, or attached to a PDF): an object, bounded in depth. */
function credentialJson(kind: FileKind, text: string, where: string): InspectedUpload {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind, unverified: `The Open Badges 3.0 credential ${where} is not valid JSON.` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { kind, unverified: `The credential ${where} is not a JSON object.` };
  }
  if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
    throw new UnprocessableEntityError(`The credential ${where} nests more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return { kind, credential: json as Record<string, unknown> };
}
