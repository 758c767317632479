import type { Db } from '../db/database.js';
import type { AssertionRow, AssertionRepository } from '../db/assertion-repository.js';
import type { Signatory, CatalogRepository } from '../db/catalog-repository.js';
import type { StatusListRepository } from '../db/status-list-repository.js';
import { NotFoundError, PayloadTooLargeError, UnprocessableEntityError, ValidationError } from '../errors.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import type { PublicUrls } from '../public-urls.js';
import { MAX_JSON_DEPTH, MAX_JWT_CHARS, MAX_VERIFY_FILE_BYTES, nestsDeeperThan } from './input-limits.js';
import type { UploadInspector } from './upload-inspector.js';
import { issuerIdOfDid } from '../issuers/did-lookup.js';
import type { WalletExchangeRepository } from '../db/wallet-exchange-repository.js';
import type { DocumentLoader } from '../signing/document-loader.js';
import { microCache, PUBLIC_CACHE_TTL_MS } from '../cache/micro-cache.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { verifications } from '../metrics/domain-metrics.js';
import {
  recipientCheck,
  verifyJsonCredential,
  verifyJwtCredential,
  type SignedCredential,
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
  /** DID lookups (did:key issuers by their key) */
  db: Db;
  assertionRepo: AssertionRepository;
  catalogRepo: CatalogRepository;
  statusListRepo: StatusListRepository;
  /** Wallet copies (issue 15), verified against what was stored for them. */
  walletExchangeRepo: Pick<WalletExchangeRepository, 'copyCredential'>;
  urls: PublicUrls;
  issuerKeys: Pick<IssuerKeyService, 'getPublicKey' | 'dids'>;
  now?: () => Date;
  /** Parses uploaded files off the event loop (a pool of the service: its stop ends the threads). */
  uploads: Pick<UploadInspector, 'inspect'>;
  /** Drops cached outcomes of revoked or superseded assertions in every replica at once. */
  invalidation?: Pick<InvalidationBus, 'onAssertionsChanged'>;
  /**
   * How long an outcome of one of our credentials is reused (0: never); the revocation bound. What
   * may change unannounced (a key's retirement, the issuer's name and retirement, the status bit) is
   * read by every verification that computes an outcome, so an outcome is never older than this
   * from its reads; only immutable lookups (key material, the Ed25519 methods of DID documents) are
   * kept whatever this is.
   */
  cacheTtlMs?: number;
}

/** At most this many bytes of an uploaded file are looked at (the route enforces it first). */
export { MAX_VERIFY_FILE_BYTES };
export { sniffFile, type FileKind } from './upload-inspection.js';

export type VerifyInput =
  | { jwt: string; recipient?: string }
  | { credential: Record<string, unknown>; recipient?: string }
  | { assertionId: string; recipient?: string }
  | { file: Uint8Array; recipient?: string };

/** What was stored for an assertion: its VC-JWT (if its issuer signs them) and its JSON credential. */
const signedOf = (a: AssertionRow): SignedCredential => ({
  ...(a.credential_jwt && { jwt: a.credential_jwt }),
  credential: a.credential_json,
});

/** An outcome is not reused past the credential's expiry, however fresh. */
function validUntilOf(credential: Record<string, unknown> | null): number | undefined {
  const t = typeof credential?.validUntil === 'string' ? Date.parse(credential.validUntil) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** The outcome with the recipient check a request asked for (outcomes are cached without one). */
function withRecipient(result: VerificationResult, opts: VerifyOptions): VerificationResult {
  if (opts.recipient === undefined || !result.credential) return result;
  const checks = [...result.checks, recipientCheck(result.credential, opts.recipient)];
  return { verified: checks.every((c) => c.ok), checks, credential: result.credential };
}

function unverified(detail: string): VerificationResult {
  return { verified: false, checks: [{ check: 'format', ok: false, detail }], credential: null };
}

/**
 * A JWT from outside: bounded in length, and its payload in nesting, before anything decodes it
 * (a deep payload would overflow the stack of whatever walks it, the JSON answer included).
 * `fromFile`: limits found in an uploaded file are 422, in the request body 413/400.
 */
function assertJwtWithinLimits(jwt: string, fromFile: boolean): void {
  if (jwt.length > MAX_JWT_CHARS) {
    const message = `The JWT is longer than ${MAX_JWT_CHARS} characters; no credential of this service is that large.`;
    throw fromFile ? new UnprocessableEntityError(message) : new PayloadTooLargeError(message);
  }
  const payload = jwt.trim().split('.')[1];
  if (!payload) return;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return; // not JSON: the verifier reports it as a failed check
  }
  if (nestsDeeperThan(decoded, MAX_JSON_DEPTH)) {
    const message = `The JWT payload nests more than ${MAX_JSON_DEPTH} levels deep.`;
    throw fromFile ? new UnprocessableEntityError(message) : new ValidationError(message);
  }
}

/**
 * Outcomes are reused for the revocation bound, and only for genuine credentials of ours (a valid
 * signature by one of our keys): a forged token never takes a place, so the cache holds at most
 * what we issued. Each is tagged with its assertion, which a revocation or reissue drops at once.
 */
function outcomeCaches(deps: Pick<VerificationDeps, 'urls' | 'cacheTtlMs' | 'invalidation'>) {
  const ttlMs = deps.cacheTtlMs ?? PUBLIC_CACHE_TTL_MS;
  const assertionIdOf = (r: VerificationResult): string | undefined =>
    typeof r.credential?.id === 'string' ? idFromUrl(r.credential.id, deps.urls.credentialJson) : undefined;
  const outcomes = microCache<VerificationResult>({
    ttlMs,
    maxEntries: 10_000,
    keep: (r) => r.checks.some((c) => c.check === 'signature' && c.ok) && assertionIdOf(r) !== undefined,
    tagsOf: (r) => [assertionIdOf(r)!],
    expiresAt: (r) => validUntilOf(r.credential),
  });
  const assertionOutcomes = microCache<{ assertion: AssertionRow; result: VerificationResult }>({
    ttlMs,
    maxEntries: 10_000,
    expiresAt: (v) => validUntilOf(v.result.credential),
  });
  deps.invalidation?.onAssertionsChanged((ids) => {
    for (const id of ids) {
      outcomes.invalidate(id);
      assertionOutcomes.invalidate(id);
    }
  });
  return { outcomes, assertionOutcomes };
}

export function verificationService(deps: VerificationDeps) {
  const { db, assertionRepo, catalogRepo, statusListRepo, urls, issuerKeys } = deps;

  const verifierDeps: VerifierDeps & {
    findSigned(credentialId: string): Promise<SignedCredential | undefined>;
    loader: DocumentLoader;
  } = {
    async resolveKey(kid) {
      const keyId = idFromUrl(kid, urls.key);
      const key = keyId ? await issuerKeys.getPublicKey(keyId) : undefined;
      if (!key) return undefined;
      return { jwk: key.jwk, issuerId: urls.issuerProfile(key.issuerId), retiredAt: key.retiredAt };
    },
    async resolveIssuer(issuerUrl) {
      const issuerId = idFromUrl(issuerUrl, urls.issuerProfile) ?? (await issuerIdOfDid(db, urls, issuerUrl));
      // Read by every verification that computes an outcome, not kept: a copy kept as long as the
      // outcome would stack with it.
      const issuer = issuerId ? await catalogRepo.getIssuerStanding(issuerId) : undefined;
      return issuer && { name: issuer.name, retiredAt: issuer.retired_at, profileUrl: urls.issuerProfile(issuer.id) };
    },
    loader: issuerKeys.dids.loader,
    async resolveStatus(listUrl, index) {
      const listId = idFromUrl(listUrl, urls.statusList);
      // One entry read, whatever the list's size (the bit is the revocation of the assertion at that index),
      // on every verification: never kept.
      return listId ? statusListRepo.statusBit(listId, index) : undefined;
    },
    async findSigned(credentialId) {
      // A wallet copy (issue 15) is named `urn:uuid:<copy id>`, stored with its VC-JWT if its issuer signs them.
      if (/^urn:uuid:[0-9a-f-]{36}$/.test(credentialId)) {
        return deps.walletExchangeRepo.copyCredential(credentialId.slice('urn:uuid:'.length));
      }
      const assertionId = idFromUrl(credentialId, urls.credentialJson);
      const a = assertionId ? await assertionRepo.getAssertionById(assertionId) : undefined;
      return a && signedOf(a);
    },
    ...(deps.now && { now: deps.now }),
  };

  const { outcomes, assertionOutcomes } = outcomeCaches(deps);

  /** Our assertion (revoked ones too) and the verdict on its stored, signed form; unknown → 404. */
  function verifyStored(assertionId: string): Promise<{ assertion: AssertionRow; result: VerificationResult }> {
    return assertionOutcomes.get(assertionId, async () => {
      const assertion = await assertionRepo.getAssertionById(assertionId);
      if (!assertion) throw new NotFoundError(`Assertion "${assertionId}" does not exist.`);
      return { assertion, result: await verifyRow(assertion, {}) };
    });
  }

  async function verifyJwt(jwt: string, opts: VerifyOptions): Promise<VerificationResult> {
    return verifyJwtCredential(jwt, verifierDeps, opts);
  }

  /**
   * One of our assertions as stored: its VC-JWT, or (Data Integrity only issuers) its JSON
   * credential, compared with the row in hand rather than the row read again by its id.
   */
  function verifyRow(a: AssertionRow, opts: VerifyOptions): Promise<VerificationResult> {
    if (a.credential_jwt) return verifyJwt(a.credential_jwt, opts);
    const own = urls.credentialJson(a.id);
    const findSigned = async (id: string) => (id === own ? signedOf(a) : verifierDeps.findSigned(id));
    return verifyJsonCredential(a.credential_json, { ...verifierDeps, findSigned }, opts);
  }

  async function verifyFile(bytes: Uint8Array, opts: VerifyOptions): Promise<VerificationResult> {
    // Parsed in a worker thread: a hostile file costs a bounded thread, never this event loop.
    const upload = await deps.uploads.inspect(bytes);
    if ('jwt' in upload) {
      assertJwtWithinLimits(upload.jwt, true);
      return verifyJwt(upload.jwt, opts);
    }
    if ('credential' in upload) return verifyJsonCredential(upload.credential, verifierDeps, opts);
    return unverified(upload.unverified);
  }

  async function verifyInput(input: VerifyInput): Promise<VerificationResult> {
    const opts: VerifyOptions = input.recipient !== undefined ? { recipient: input.recipient } : {};
    if ('jwt' in input) {
      const outcome = await outcomes.get(input.jwt, async () => {
        assertJwtWithinLimits(input.jwt, false);
        return verifyJwt(input.jwt, {});
      });
      return withRecipient(outcome, opts);
    }
    if ('credential' in input) return verifyJsonCredential(input.credential, verifierDeps, opts);
    if ('assertionId' in input) return withRecipient((await verifyStored(input.assertionId)).result, opts);
    return verifyFile(input.file, opts);
  }

  /** Counts a verification by its input and verdict; a refusal (bad input, unknown id) is `error`. */
  async function counted(input: string, run: () => Promise<VerificationResult>): Promise<VerificationResult> {
    try {
      const result = await run();
      verifications.inc({ input, outcome: result.verified ? 'verified' : 'failed' });
      return result;
    } catch (err) {
      verifications.inc({ input, outcome: 'error' });
      throw err;
    }
  }

  async function countedStored(input: string, assertionId: string) {
    let stored: Awaited<ReturnType<typeof verifyStored>> | undefined;
    await counted(input, async () => (stored = await verifyStored(assertionId)).result);
    return stored!;
  }

  return {
    verifierDeps,

    async verify(input: VerifyInput): Promise<VerificationResult> {
      const kind =
        'jwt' in input ? 'jwt' : 'credential' in input ? 'credential' : 'assertionId' in input ? 'assertion' : 'file';
      return counted(kind, () => verifyInput(input));
    },

    /** One of our assertions (revoked ones included) and the verdict on its stored, signed form. */
    verifyAssertion: (assertionId: string) => countedStored('page', assertionId),

    /** Who signs the certificate of an assertion, as its verification page lists them. */
    async signatoriesOf(assertion: Pick<AssertionRow, 'issuer_id' | 'credential_id'>): Promise<Signatory[]> {
      return catalogRepo.listSignatories({
        issuerId: assertion.issuer_id,
        credentialId: assertion.credential_id,
      });
    },
  };
}

export type VerificationService = ReturnType<typeof verificationService>;
