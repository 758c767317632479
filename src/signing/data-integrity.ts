import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import type { DocumentLoader } from './document-loader.js';
import { installFastContextClone } from './jsonld-context-clone.js';

installFastContextClone();

/**
 * Embedded Data Integrity proofs (`DataIntegrityProof`, `eddsa-rdfc-2022`, assertionMethod), the
 * proof format wallets verify (OB 3.0 §8.3 "Linked Data proof"), by Digital Bazaar's libraries.
 */
export const DI_CRYPTOSUITE = 'eddsa-rdfc-2022';

/** An issuer's Ed25519 key as Multikey strings; `id` is the verification method (DID URL). */
export interface DataIntegrityKey {
  id: string;
  controller: string;
  publicKeyMultibase: string;
  secretKeyMultibase: string;
}

export interface GeneratedDataIntegrityKey {
  publicKeyMultibase: string;
  secretKeyMultibase: string;
}

export async function generateDataIntegrityKey(): Promise<GeneratedDataIntegrityKey> {
  const pair = await Ed25519Multikey.generate();
  return { publicKeyMultibase: pair.publicKeyMultibase, secretKeyMultibase: pair.secretKeyMultibase! };
}

/** Importing a Multikey is cheap but not free; one signer per verification method. */
const signerCache = new Map<string, Promise<Ed25519Multikey.Ed25519MultikeyPair>>();

function keyPairOf(key: DataIntegrityKey): Promise<Ed25519Multikey.Ed25519MultikeyPair> {
  const cacheKey = `${key.id} ${key.publicKeyMultibase}`;
  let pair = signerCache.get(cacheKey);
  if (!pair) {
    pair = Ed25519Multikey.from({ type: 'Multikey', ...key });
    if (signerCache.size >= 256) signerCache.delete(signerCache.keys().next().value!);
    signerCache.set(cacheKey, pair);
  }
  return pair;
}

/** The credential with a new DataIntegrityProof appended (an existing `proof` is kept). */
export async function signDataIntegrity<T extends object>(
  credential: T,
  key: DataIntegrityKey,
  loader: DocumentLoader,
  created = new Date(),
): Promise<T & { proof: unknown[] }> {
  const pair = await keyPairOf(key);
  // Whole seconds, like every other date this service signs.
  const date = new Date(Math.floor(created.getTime() / 1000) * 1000);
  const suite = new DataIntegrityProof({ signer: pair.signer(), cryptosuite: eddsaRdfc2022, date });
  // vc.issue adds the proof to the object it is given; copy so the caller's draft stays unsigned.
  const copy = structuredClone(credential) as Record<string, unknown>;
  const signed = await vc.issue({ credential: copy, suite, documentLoader: loader });
  // The strict (json-ld) copy of the OB 3.0 schema wants `proof` as an array; one proof is one item.
  const proofs = Array.isArray(signed.proof) ? signed.proof : [signed.proof];
  return { ...signed, proof: proofs } as T & { proof: unknown[] };
}

export interface DataIntegrityResult {
  verified: boolean;
  /** One message per failed step, for `checks` entries. */
  errors: string[];
}

function messagesOf(error: unknown): string[] {
  if (!error) return [];
  const e = error as { message?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length) return e.errors.flatMap(messagesOf);
  return [e.message ?? String(error)];
}

/**
 * Checks every DataIntegrityProof of the credential with the given loader (which decides which
 * DIDs resolve). Status and validity dates are the caller's business, as for VC-JWTs.
 */
export async function verifyDataIntegrity(credential: object, loader: DocumentLoader): Promise<DataIntegrityResult> {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  // The library also rejects expired credentials; dates are checked and reported apart, so judge
  // the proof as of the credential's own validFrom.
  const { validFrom } = credential as { validFrom?: unknown };
  const from = typeof validFrom === 'string' ? validFrom : undefined;
  const now = from && !Number.isNaN(Date.parse(from)) ? from : undefined;
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader: loader,
    // Status, like dates, is checked and reported on its own.
    checkStatus: async () => ({ verified: true }),
    ...(now && { now }),
  });
  if (result.verified) return { verified: true, errors: [] };
  const errors = [
    ...new Set([...messagesOf(result.error), ...(result.results ?? []).flatMap((r) => messagesOf(r.error))]),
  ];
  return { verified: false, errors: errors.length ? errors : ['The Data Integrity proof did not verify.'] };
}
