/**
 * The worker-thread side of the Data Integrity signing pool: signs one batch of credentials with
 * the static loader (signing resolves contexts only, never a DID). Each thread keeps its own
 * signer and canonicalization templates.
 */
import { signDataIntegrity, type DataIntegrityKey } from './data-integrity.js';
import { documentLoader } from './document-loader.js';

export interface SignBatch {
  key: DataIntegrityKey;
  created: number;
  credentials: object[];
}

const loader = documentLoader();

export default async function signBatch(batch: SignBatch): Promise<object[]> {
  const created = new Date(batch.created);
  const out: object[] = [];
  for (const credential of batch.credentials) out.push(await signDataIntegrity(credential, batch.key, loader, created));
  return out;
}
