import { DI_CRYPTOSUITE, verifyDataIntegrity } from '../signing/data-integrity.js';
import type { DocumentLoader } from '../signing/document-loader.js';
import type { Check } from './credential-verifier.js';
import { MAX_DATA_INTEGRITY_CHARS } from './input-limits.js';

/**
 * The `signature` check of a credential with embedded Data Integrity proofs (issue 14). The loader
 * decides what resolves: bundled contexts, did:key, and this service's own did:web issuers, so a
 * DID of another host fails here as an unresolvable key, never as a fetch.
 */
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function dataIntegrityProofsOf(credential: Record<string, unknown>): Record<string, unknown>[] {
  const raw = credential.proof;
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(isRecord);
}

/** Any embedded `proof` member: a malformed one is a failed signature check, not an ignored member. */
export const hasDataIntegrityProof = (credential: Record<string, unknown>): boolean =>
  credential.proof !== undefined && credential.proof !== null;

export async function dataIntegrityCheck(credential: Record<string, unknown>, loader: DocumentLoader): Promise<Check> {
  const proofs = dataIntegrityProofsOf(credential);
  const raw = credential.proof;
  if (!proofs.length || (Array.isArray(raw) && raw.length !== proofs.length)) {
    return {
      check: 'signature',
      proof: 'data-integrity',
      ok: false,
      detail: 'The credential proof is not a proof object (or a list of them).',
    };
  }
  const unknown = proofs.filter((p) => p.type !== 'DataIntegrityProof' || p.cryptosuite !== DI_CRYPTOSUITE);
  if (unknown.length) {
    const names = unknown.map((p) => `${String(p.type)}/${String(p.cryptosuite)}`).join(', ');
    return {
      check: 'signature',
      proof: 'data-integrity',
      ok: false,
      detail: `Unsupported proof (${names}); only DataIntegrityProof with ${DI_CRYPTOSUITE} is verified here.`,
    };
  }
  const methods = proofs.map((p) => String(p.verificationMethod)).join(', ');
  if (JSON.stringify(credential).length > MAX_DATA_INTEGRITY_CHARS) {
    return {
      check: 'signature',
      proof: 'data-integrity',
      ok: false,
      detail: `The credential is larger than ${MAX_DATA_INTEGRITY_CHARS / 1024} KiB; its Data Integrity proof is not checked.`,
    };
  }
  try {
    const r = await verifyDataIntegrity(credential, loader);
    return r.verified
      ? {
          check: 'signature',
          proof: 'data-integrity',
          ok: true,
          detail: `Data Integrity proof (${DI_CRYPTOSUITE}) verified with ${methods}.`,
        }
      : {
          check: 'signature',
          proof: 'data-integrity',
          ok: false,
          detail: `The Data Integrity proof (${DI_CRYPTOSUITE}) does not verify: ${r.errors.slice(0, 3).join('; ')}`,
        };
  } catch (err) {
    // The libraries report failures in their result; anything thrown is still the input's fault.
    return {
      check: 'signature',
      proof: 'data-integrity',
      ok: false,
      detail: `The Data Integrity proof could not be checked: ${(err as Error).message}`,
    };
  }
}
