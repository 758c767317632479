import type { IssuerIdentity } from '../issuers/issuer-dids.js';
import type { OpenBadgeCredential } from '../openbadges/index.js';
import type { PublicUrls } from '../public-urls.js';
import { setImmediate } from 'node:timers/promises';
import { signDataIntegrity } from '../signing/data-integrity.js';
import type { DataIntegrityPool } from '../signing/data-integrity-pool.js';
import type { DocumentLoader } from '../signing/document-loader.js';
import { signCredentialJwt, type SigningKey } from '../signing/vc-jwt.js';

/**
 * The proofs of one award (issue 14). With Data Integrity on, the issuer is named by its DID and
 * `credential.json` is the proofed credential; the VC-JWT signs that same credential, proof and
 * all (OB 3.0 allows both at once), so both forms carry one identical document.
 */
export interface AwardProofs {
  credential: Record<string, unknown>;
  /** Null when the issuer's proof formats leave the VC-JWT out (Data Integrity only). */
  jwt: string | null;
}

export const usesDataIntegrity = (identity: IssuerIdentity | undefined): identity is IssuerIdentity =>
  !!identity && identity.proofFormats.includes('data-integrity');

/** The issuer id an award names (and its status list with it): the DID with Data Integrity, else the profile URL. */
export const issuerRefOf = (urls: PublicUrls, issuerId: string, identity: IssuerIdentity | undefined): string =>
  usesDataIntegrity(identity) ? identity.did : urls.issuerProfile(issuerId);

/** The credential with its issuer (the signing one, not a grantor) named by the DID. */
export function withIssuerDid(vc: OpenBadgeCredential, did: string): OpenBadgeCredential {
  return { ...vc, issuer: { ...vc.issuer, id: did } };
}

/** Below this many awards the proofs are signed here: a signing thread's start costs more. */
const THREADED_FROM = 8;

/**
 * The proofs of a batch of awards, in order. With Data Integrity, a batch is signed on the signing
 * threads, each credential's proof and then its VC-JWT (issue 18: the VC-JWTs were ~1.2 s of a
 * 10,000 bulk on the thread that also runs the jobs and the embedded database). VC-JWTs alone, or a
 * small batch, are signed here (ES256 alone on the threads, one bench run: the 10,000 bulk took
 * 9.8 s instead of 8.6 s and 8.6 s of CPU instead of 7.3 s: the threads' start and the messages
 * cost more than they save), one at a time with a turn of the event loop after each (a batch signed in
 * one go starved I/O: /healthz and BullMQ's lock renewals waited).
 */
export async function proveAwards(
  vcs: OpenBadgeCredential[],
  jwtKey: SigningKey,
  identity: IssuerIdentity | undefined,
  loader: DocumentLoader,
  pool: DataIntegrityPool,
  issuedOn: Date,
): Promise<AwardProofs[]> {
  const di = usesDataIntegrity(identity) ? identity : undefined;
  const drafts = di ? vcs.map((vc) => withIssuerDid(vc, di.did)) : vcs;
  const withJwt = !di || di.proofFormats.includes('vc-jwt');
  if (di && drafts.length >= THREADED_FROM) {
    const signed = await pool.signMany(drafts, { dataIntegrity: di.key, jwt: withJwt ? jwtKey : undefined }, issuedOn);
    return signed.map((s) => ({ credential: s.credential as Record<string, unknown>, jwt: s.jwt }));
  }
  return mapSequentially(drafts, async (draft) => {
    const credential = di ? await signDataIntegrity(draft, di.key, loader, issuedOn) : draft;
    return {
      credential: credential as unknown as Record<string, unknown>,
      jwt: withJwt ? await signCredentialJwt(credential, jwtKey) : null,
    };
  });
}

async function mapSequentially<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) {
    out.push(await fn(item));
    await setImmediate();
  }
  return out;
}
