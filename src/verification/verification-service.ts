import type { Db } from '../db/database.js';
import { getAssertionById, type AssertionRow } from '../db/assertion-repository.js';
import { getIssuerById } from '../db/catalog-repository.js';
import { statusBit } from '../db/status-list-repository.js';
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import { readBakedPng, readBakedSvg } from '../openbadges/baking.js';
import type { PublicUrls } from '../public-urls.js';
import { readPdfCredential } from '../rendering/pdf-credential.js';
import {
  verifyJsonCredential,
  verifyJwtCredential,
  type VerificationResult,
  type VerifierDeps,
  type VerifyOptions,
} from './credential-verifier.js';

/**
 * The verifier's lookups answered from our own database, and the input forms of the verify
 * endpoint (JWT, JSON credential, assertion id, uploaded file) reduced to one of the verifier's
 * two entry points. Nothing here fetches a URL: a key, issuer, status list or credential id is
 * recognised only when it is one of OUR public URLs, parsed back to an entity id and read from
 * the database; any other URL simply is unknown (no SSRF).
 */

/** Entity ids are url-safe tokens; anything else in the id position is not one of ours. */
const ENTITY_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The entity id at the `{}` of one of our URL patterns, or undefined for any other URL. */
function idFromUrl(url: string, build: (id: string) => string): string | undefined {
  const marker = '\u0000';
  const [prefix, suffix] = build(marker).split(marker);
  if (!url.startsWith(prefix) || !url.endsWith(suffix) || url.length <= prefix.length + suffix.length) return undefined;
  const id = url.slice(prefix.length, url.length - suffix.length);
  return ENTITY_ID.test(id) ? id : undefined;
}

export interface VerificationDeps {
  db: Db;
  urls: PublicUrls;
  issuerKeys: Pick<IssuerKeyService, 'getPublicKey'>;
  now?: () => Date;
}

/** At most this many bytes of an uploaded file are looked at (the route enforces it first). */
export const MAX_VERIFY_FILE_BYTES = 5 * 1024 * 1024;

export type VerifyInput =
  | { jwt: string; recipient?: string }
  | { credential: Record<string, unknown>; recipient?: string }
  | { assertionId: string; recipient?: string }
  | { file: Uint8Array; recipient?: string };

export type FileKind = 'png' | 'svg' | 'pdf';

/** What the bytes are, whatever the upload claimed. */
export function sniffFile(bytes: Uint8Array): FileKind | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  // SVG is text: skip a BOM and leading whitespace, then expect markup that declares an <svg> root.
  const head = b.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<') && /<svg[\s>]/i.test(head)) return 'svg';
  return undefined;
}

function unverified(detail: string): VerificationResult {
  return { verified: false, checks: [{ check: 'format', ok: false, detail }], credential: null };
}

export function verificationService(deps: VerificationDeps) {
  const { db, urls, issuerKeys } = deps;

  const verifierDeps: VerifierDeps & { findSigned(credentialId: string): Promise<string | undefined> } = {
    async resolveKey(kid) {
      const keyId = idFromUrl(kid, urls.key);
      const key = keyId ? await issuerKeys.getPublicKey(keyId) : undefined;
      if (!key) return undefined;
      return { jwk: key.jwk, issuerId: urls.issuerProfile(key.issuerId), retiredAt: key.retiredAt };
    },
    async resolveIssuer(issuerUrl) {
      const issuerId = idFromUrl(issuerUrl, urls.issuerProfile);
      const issuer = issuerId ? await getIssuerById(db, issuerId) : undefined;
      return issuer ? { name: issuer.name, retiredAt: issuer.retired_at } : undefined;
    },
    async resolveStatus(listUrl, index) {
      const listId = idFromUrl(listUrl, urls.statusList);
      // One entry read, whatever the list's size (the bit is the revocation of the assertion at that index).
      return listId ? statusBit(db, listId, index) : undefined;
    },
    async findSigned(credentialId) {
      const assertionId = idFromUrl(credentialId, urls.credentialJson);
      const a = assertionId ? await getAssertionById(db, assertionId) : undefined;
      return a?.credential_jwt;
    },
    ...(deps.now && { now: deps.now }),
  };

  async function verifyJwt(jwt: string, opts: VerifyOptions): Promise<VerificationResult> {
    return verifyJwtCredential(jwt, verifierDeps, opts);
  }

  async function verifyFile(bytes: Uint8Array, opts: VerifyOptions): Promise<VerificationResult> {
    if (bytes.byteLength > MAX_VERIFY_FILE_BYTES) throw new ValidationError('The file is larger than 5 MiB.');
    const kind = sniffFile(bytes);
    if (!kind) throw new UnsupportedMediaTypeError('The file must be a baked PNG or SVG badge, or a certificate PDF.');
    if (kind === 'pdf') {
      const pdf = await readPdfCredential(bytes);
      return pdf.jwt ? verifyJwt(pdf.jwt, opts) : unverified('The PDF carries no embedded credential (credential.jwt attachment).');
    }
    let baked;
    try {
      baked = kind === 'png' ? readBakedPng(bytes) : readBakedSvg(bytes);
    } catch (err) {
      if (err instanceof ValidationError) return unverified(`The ${kind.toUpperCase()} could not be read: ${err.message}`);
      throw err;
    }
    if (baked.ob3Jwt) return verifyJwt(baked.ob3Jwt, opts);
    if (baked.ob3Json) {
      let json: unknown;
      try {
        json = JSON.parse(baked.ob3Json);
      } catch {
        return unverified(`The ${kind.toUpperCase()} carries an Open Badges 3.0 credential that is not valid JSON.`);
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return unverified('The baked credential is not a JSON object.');
      return verifyJsonCredential(json as Record<string, unknown>, verifierDeps, opts);
    }
    return unverified(`The ${kind.toUpperCase()} carries no baked Open Badges 3.0 credential.`);
  }

  return {
    verifierDeps,

    async verify(input: VerifyInput): Promise<VerificationResult> {
      const opts: VerifyOptions = input.recipient !== undefined ? { recipient: input.recipient } : {};
      if ('jwt' in input) return verifyJwt(input.jwt, opts);
      if ('credential' in input) return verifyJsonCredential(input.credential, verifierDeps, opts);
      if ('assertionId' in input) {
        const a = await getAssertionById(db, input.assertionId);
        if (!a) throw new NotFoundError(`Assertion "${input.assertionId}" does not exist.`);
        return verifyJwt(a.credential_jwt, opts);
      }
      return verifyFile(input.file, opts);
    },

    /** One of our assertions (revoked ones included) and the verdict on its stored, signed form. */
    async verifyAssertion(assertionId: string): Promise<{ assertion: AssertionRow; result: VerificationResult }> {
      const assertion = await getAssertionById(db, assertionId);
      if (!assertion) throw new NotFoundError(`Assertion "${assertionId}" does not exist.`);
      return { assertion, result: await verifyJwt(assertion.credential_jwt, {}) };
    },
  };
}

export type VerificationService = ReturnType<typeof verificationService>;
