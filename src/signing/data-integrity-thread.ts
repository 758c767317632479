/**
 * The worker-thread side of the signing pool: signs one batch of credentials, each with its Data
 * Integrity proof (when a key is given, with the static loader: signing resolves contexts only,
 * never a DID) and then its VC-JWT (when a JWT key is given) over the proofed credential. Each
 * thread keeps its own signer, imported keys and canonicalization templates.
 */
import { ValidationError } from '../errors.js';
import { signDataIntegrity, type DataIntegrityKey } from './data-integrity.js';
import { documentLoader } from './document-loader.js';
import { signCredentialJwt, type SignableCredential, type SigningKey } from './vc-jwt.js';

export interface SignBatch {
  /** Absent: no Data Integrity proof (a VC-JWT-only issuer). */
  key?: DataIntegrityKey;
  /** Absent: no VC-JWT (a Data Integrity-only issuer). */
  jwtKey?: SigningKey;
  created: number;
  credentials: object[];
}

export interface SignedCredential {
  credential: object;
  jwt: string | null;
}

/** A refusal crosses the thread boundary as data: piscina would turn a ValidationError into a plain Error. */
export type SignBatchResult = { signed: SignedCredential[] } | { refused: string };

const loader = documentLoader();

export default async function signBatch(batch: SignBatch): Promise<SignBatchResult> {
  const created = new Date(batch.created);
  const signed: SignedCredential[] = [];
  try {
    for (const draft of batch.credentials) {
      const credential = batch.key ? await signDataIntegrity(draft, batch.key, loader, created) : draft;
      const jwt = batch.jwtKey ? await signCredentialJwt(credential as SignableCredential, batch.jwtKey) : null;
      signed.push({ credential, jwt });
    }
  } catch (err) {
    if (err instanceof ValidationError) return { refused: err.message };
    throw err;
  }
  return { signed };
}
