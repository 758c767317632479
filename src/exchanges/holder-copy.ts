import type { IssuerIdentity } from '../issuers/issuer-dids.js';
import type { OpenBadgeCredential } from '../openbadges/index.js';
import { withIssuerDid } from '../issuance/award-proofs.js';
import { signDataIntegrity } from '../signing/data-integrity.js';
import type { DocumentLoader } from '../signing/document-loader.js';
import { signCredentialJwt, type SigningKey } from '../signing/vc-jwt.js';

/**
 * The award as a wallet receives it: the signed credential of the assertion with its subject
 * bound to the holder's DID and proved anew. Everything else stays: the achievement, dates,
 * evidence, the hashed email identifier, and the `credentialStatus` entry, so revoking the
 * assertion revokes every copy. A copy has its own id (`urn:uuid:…`): the credential.json URL
 * stays the id of the document served there.
 */
export function holderCopyDraft(
  signed: Record<string, unknown>,
  holderDid: string,
  copyId: string,
): OpenBadgeCredential {
  const { proof: _proof, ...rest } = structuredClone(signed);
  const subject = rest.credentialSubject as Record<string, unknown>;
  return {
    ...rest,
    id: `urn:uuid:${copyId}`,
    credentialSubject: { ...subject, id: holderDid },
  } as unknown as OpenBadgeCredential;
}

export interface HolderCopy {
  credential: Record<string, unknown>;
  jwt: string;
}

/** Both proofs, as at issue time (award-proofs.ts): the Data Integrity proof, then the VC-JWT of the proofed copy. */
export async function proveHolderCopy(
  draft: OpenBadgeCredential,
  identity: IssuerIdentity,
  jwtKey: SigningKey,
  loader: DocumentLoader,
): Promise<HolderCopy> {
  const proofed = await signDataIntegrity(withIssuerDid(draft, identity.did), identity.key, loader);
  return { credential: proofed as unknown as Record<string, unknown>, jwt: await signCredentialJwt(proofed, jwtKey) };
}
