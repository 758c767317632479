import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import type { DocumentLoader } from './document-loader.js';
import { installFastContextClone } from './jsonld-context-clone.js';
import { canonizeWithTemplates } from './canonical-template.js';
import { LruCache } from '../lru-cache.js';

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

/** An Ed25519 signer as the libraries call it (`sign({data})`), with the id of its verification method. */
interface Signer {
  algorithm: 'Ed25519';
  id: string;
  sign(options: { data: Uint8Array }): Promise<Uint8Array>;
}

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * One signer per verification method, holding a node KeyObject: the library's own signer parses
 * the secret key anew (createPrivateKey) on every call, ~13% of a proof. Ed25519 is deterministic,
 * so the signature is byte-identical to the library's.
 */
const signerCache = new LruCache<string, Promise<Signer>>(256);

async function newSigner(key: DataIntegrityKey): Promise<Signer> {
  const pair = await Ed25519Multikey.from({ type: 'Multikey', ...key });
  if (!pair.secretKey) throw new Error(`The key ${key.id} has no secret part.`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, pair.secretKey.subarray(0, 32)]),
    format: 'der',
    type: 'pkcs8',
  });
  return { algorithm: 'Ed25519', id: key.id, sign: async ({ data }) => nodeSign(null, data, privateKey) };
}

function signerOf(key: DataIntegrityKey): Promise<Signer> {
  return signerCache.getOrLoad(`${key.id} ${key.publicKeyMultibase}`, () => newSigner(key));
}

/**
 * The canonical proof options (everything of the proof but its value, under the credential's
 * context) depend on that context, the key, the purpose and `created` alone — the same for every
 * award of one issuing round (one `created`). Canonicalization is a pure function of its input
 * with the static loader, so its result is kept by input; the library hashes it as before.
 */
const proofCanonicalCache = new LruCache<string, Promise<string>>(64);

function withCachedProofCanonicalization(suite: DataIntegrityProof): DataIntegrityProof {
  const canonize = suite.canonizeProof.bind(suite);
  suite.canonizeProof = (proof, options) => {
    const { proofValue, ...rest } = proof;
    void proofValue;
    const key = JSON.stringify([options.document['@context'], rest]);
    return proofCanonicalCache.getOrLoad(key, () => canonize(proof, options));
  };
  return suite;
}

/**
 * eddsa-rdfc-2022 as published, canonicalizing through per-shape templates when signing (see
 * canonical-template.ts); verification always uses the library's cryptosuite unchanged.
 */
const signingSuite = { ...eddsaRdfc2022, canonize: canonizeWithTemplates };

/** The credential with a new DataIntegrityProof appended (an existing `proof` is kept). */
export async function signDataIntegrity<T extends object>(
  credential: T,
  key: DataIntegrityKey,
  loader: DocumentLoader,
  created = new Date(),
): Promise<T & { proof: unknown[] }> {
  const signer = await signerOf(key);
  // Whole seconds, like every other date this service signs.
  const date = new Date(Math.floor(created.getTime() / 1000) * 1000);
  const suite = withCachedProofCanonicalization(new DataIntegrityProof({ signer, cryptosuite: signingSuite, date }));
  // vc.issue adds the proof to the object it is given; copy so the caller's draft stays unsigned.
  const copy = structuredClone(credential) as Record<string, unknown>;
  const signed = await vc.issue({ credential: copy, suite, documentLoader: loader });
  // The strict (json-ld) copy of the OB 3.0 schema wants `proof` as an array; one proof is one item.
  const proofs = Array.isArray(signed.proof) ? signed.proof : [signed.proof];
  return { ...signed, proof: proofs } as T & { proof: unknown[] };
}

/** An Ed25519 verifier as the libraries call it (`verify({data, signature})`). */
interface Verifier {
  algorithm: 'Ed25519';
  id?: string;
  verify(options: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
}

/** SPKI DER of an Ed25519 public key, up to its 32 bytes (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * One verifier per verification method (by its exact JSON), holding a node KeyObject: the
 * library's verifier parses the public key anew (createPublicKey) on every call, ~5% of an
 * uncached verification. The method is validated by the library as before (Ed25519Multikey.from);
 * only the parsed key is kept, and the check itself runs on every call.
 */
const verifierCache = new LruCache<string, Promise<Verifier>>(1000);

async function newVerifier(verificationMethod: Record<string, unknown>): Promise<Verifier> {
  const key = await Ed25519Multikey.from(verificationMethod);
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, key.publicKey]),
    format: 'der',
    type: 'spki',
  });
  return {
    algorithm: 'Ed25519',
    id: key.id,
    verify: async ({ data, signature }) => nodeVerify(null, data, publicKey, signature),
  };
}

function createCachedVerifier({
  verificationMethod,
}: {
  verificationMethod: Record<string, unknown>;
}): Promise<Verifier> {
  return verifierCache.getOrLoad(JSON.stringify(verificationMethod), () => newVerifier(verificationMethod));
}

/** eddsa-rdfc-2022 as published, with the verifier above (same canonicalization, same check). */
const verifyingSuite = { ...eddsaRdfc2022, createVerifier: createCachedVerifier };

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
  const suite = new DataIntegrityProof({ cryptosuite: verifyingSuite });
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
