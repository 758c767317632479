import type { IssuerIdentity } from '../issuers/issuer-dids.js';
import type { OpenBadgeCredential } from '../openbadges/index.js';
import { signDataIntegrity } from '../signing/data-integrity.js';
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

/** The credential with its issuer (the signing one, not a grantor) named by the DID. */
export function withIssuerDid(vc: OpenBadgeCredential, did: string): OpenBadgeCredential {
  return { ...vc, issuer: { ...vc.issuer, id: did } };
}

export async function proveAward(
  vc: OpenBadgeCredential,
  jwtKey: SigningKey,
  identity: IssuerIdentity | undefined,
  loader: DocumentLoader,
  issuedOn: Date,
): Promise<AwardProofs> {
  if (!usesDataIntegrity(identity)) {
    return { credential: vc as unknown as Record<string, unknown>, jwt: await signCredentialJwt(vc, jwtKey) };
  }
  const proofed = await signDataIntegrity(withIssuerDid(vc, identity.did), identity.key, loader, issuedOn);
  const jwt = identity.proofFormats.includes('vc-jwt') ? await signCredentialJwt(proofed, jwtKey) : null;
  return { credential: proofed as unknown as Record<string, unknown>, jwt };
}
