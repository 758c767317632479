import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { PayloadTooLargeError, UnprocessableEntityError, ValidationError } from '../errors.js';
import { documentLoader, type DidWebResolver } from '../signing/document-loader.js';
import { isDidWeb } from './did-web-fetch.js';

/**
 * Checks a DID-auth presentation (VC API exchanges, `DIDAuthentication`): signed (one of
 * DID_AUTH_PROOFS) by its holder's DID (did:key resolved offline, did:web through the bounded
 * resolver), for this exchange's challenge and this service's domain, with the authentication
 * proof purpose. Returns the holder DID. A malformed presentation is a ValidationError (400); one
 * that does not authenticate an UnprocessableEntityError (422), with the reason.
 */
export interface DidAuthExpectation {
  challenge: string;
  domain: string;
  /**
   * The wallet was handed our request (with its domain), so the proof must carry it. LCW's older
   * single-POST link carries only the challenge; there a domain, when present, must still match.
   */
  requireDomain: boolean;
}

/**
 * A DID-auth presentation is about 1 KB. Checking one canonicalizes it (JSON-LD) on the event
 * loop, so anything much larger is refused before any of that work.
 */
const MAX_DID_AUTH_BYTES = 16 * 1024;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function refuse(message: string): never {
  throw new UnprocessableEntityError(`DID authentication failed: ${message}`);
}

function holderOf(vp: Json): string {
  const holder = isObject(vp.holder) ? vp.holder.id : vp.holder;
  if (typeof holder !== 'string' || !holder) {
    throw new ValidationError('The presentation names no holder: DID authentication needs the holder DID.');
  }
  if (!holder.startsWith('did:key:') && !isDidWeb(holder)) {
    throw new ValidationError(`The holder "${holder.slice(0, 200)}" is not a did:key or did:web DID.`);
  }
  return holder;
}

function proofOf(vp: Json): Json {
  const proofs = Array.isArray(vp.proof) ? vp.proof : vp.proof === undefined ? [] : [vp.proof];
  if (proofs.length === 0) {
    throw new ValidationError('The presentation has no proof: DID authentication needs one signed by the holder.');
  }
  if (proofs.length > 1 || !isObject(proofs[0])) {
    throw new ValidationError('The presentation must carry exactly one proof object.');
  }
  return proofs[0];
}

/**
 * The suites DID auth accepts: Data Integrity `eddsa-rdfc-2022` (what this service signs with), and
 * `Ed25519Signature2020`, what the Learner Credential Wallet signs DID auth with (its
 * `app/lib/exchanges.ts`). Either way an Ed25519 key of the holder's DID: the 2020 suite reads the
 * did:key Multikey our loader resolves as an `Ed25519VerificationKey2020` itself.
 */
const DID_AUTH_PROOFS = ['DataIntegrityProof/eddsa-rdfc-2022', 'Ed25519Signature2020'] as const;

function suiteFor(proof: Json): unknown {
  if (proof.type === 'Ed25519Signature2020') return new Ed25519Signature2020();
  if (proof.type === 'DataIntegrityProof' && proof.cryptosuite === 'eddsa-rdfc-2022') {
    return new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  }
  const named = [proof.type, proof.cryptosuite].filter((v) => typeof v === 'string').join('/');
  return refuse(`the proof "${named.slice(0, 100)}" is not one of ${DID_AUTH_PROOFS.join(', ')}.`);
}

function messagesOf(error: unknown): string[] {
  if (!error) return [];
  const e = error as { message?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length) return e.errors.flatMap(messagesOf);
  return [e.message ?? String(error)];
}

export async function verifyDidAuth(
  presentation: unknown,
  expect: DidAuthExpectation,
  resolveDidWeb: DidWebResolver,
): Promise<string> {
  if (!isObject(presentation)) throw new ValidationError('verifiablePresentation must be an object.');
  if (Buffer.byteLength(JSON.stringify(presentation)) > MAX_DID_AUTH_BYTES) {
    throw new PayloadTooLargeError(`A DID-auth presentation is at most ${MAX_DID_AUTH_BYTES} bytes.`);
  }
  const holder = holderOf(presentation);
  const proof = proofOf(presentation);
  const credentials = presentation.verifiableCredential;
  if (credentials !== undefined && (!Array.isArray(credentials) || credentials.length > 0)) {
    throw new ValidationError('A DID-auth presentation carries no credentials; send one with none.');
  }
  if (proof.challenge !== expect.challenge) refuse("the proof's challenge is not this exchange's.");
  if ((expect.requireDomain || proof.domain !== undefined) && proof.domain !== expect.domain) {
    refuse(`the proof's domain must be "${expect.domain}".`);
  }
  const method = typeof proof.verificationMethod === 'string' ? proof.verificationMethod : '';
  const signer = method.split('#')[0];
  if (signer !== holder) refuse(`the presentation is signed by "${signer.slice(0, 200)}", not by its holder.`);
  const suite = suiteFor(proof);

  // One resolution per check (the loader asks for the key, then for its controller document).
  const resolved = new Map<string, Promise<Json | undefined>>();
  const didWeb: DidWebResolver = (did) => {
    if (!resolved.has(did)) resolved.set(did, resolveDidWeb(did));
    return resolved.get(did)!;
  };
  if (holder.startsWith('did:web:') && !(await didWeb(holder))) refuse(`the DID "${holder}" does not resolve.`);

  const result = await vc.verify({
    presentation,
    challenge: expect.challenge,
    ...(expect.requireDomain && { domain: expect.domain }),
    suite,
    documentLoader: documentLoader({ didWeb }),
  });
  if (!result.verified) {
    const reasons = [
      ...new Set([...messagesOf(result.error), ...(result.results ?? []).flatMap((r) => messagesOf(r.error))]),
    ];
    refuse(reasons.join('; ').slice(0, 500) || 'the proof did not verify.');
  }
  return holder;
}
