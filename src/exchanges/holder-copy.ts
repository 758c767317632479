import type { IssuerIdentity } from '../issuers/issuer-dids.js';
import { keyUnderDid } from '../issuers/did-document.js';
import type { OpenBadgeCredential } from '../openbadges/index.js';
import { withIssuerDid } from '../issuance/award-proofs.js';
import { signDataIntegrity } from '../signing/data-integrity.js';
import type { DocumentLoader } from '../signing/document-loader.js';
import { signCredentialJwt, type SigningKey } from '../signing/vc-jwt.js';

/**
 * The award as a wallet receives it: the signed credential of the assertion with its subject
 * bound to the holder's DID and proved anew. Everything else stays: the issuer it names, the
 * achievement, dates, evidence, the hashed email identifier, and the `credentialStatus` entry, so
 * revoking the assertion revokes every copy. A copy has its own id (`urn:uuid:…`): the
 * credential.json URL stays the id of the document served there.
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
  /** Null when the issuer's proof formats leave the VC-JWT out (Data Integrity only). */
  jwt: string | null;
}

/**
 * The DID the copy is issued under: the one the award names. An issuer's DID method may have
 * changed since the award, but its status list keeps the DID of the award (wallet verifiers
 * require the two to match) and the key is the same under either method. An award issued
 * without a DID (VC-JWT only at the time) takes the current one, as its status list does
 * (status-list-di.ts).
 */
function copyIssuerDid(draft: OpenBadgeCredential, identity: IssuerIdentity): string {
  const named = (draft.issuer as { id?: unknown } | undefined)?.id;
  return typeof named === 'string' && named.startsWith('did:') ? named : identity.did;
}

/**
 * The proofs of the issuer's proof formats, as at issue time (award-proofs.ts): the Data Integrity
 * proof by the key under the award's DID, then, if the issuer signs VC-JWTs, that of the proofed copy.
 */
export async function proveHolderCopy(
  draft: OpenBadgeCredential,
  identity: IssuerIdentity,
  jwtKey: () => Promise<SigningKey>,
  loader: DocumentLoader,
): Promise<HolderCopy> {
  const did = copyIssuerDid(draft, identity);
  const proofed = await signDataIntegrity(withIssuerDid(draft, did), keyUnderDid(did, identity.key), loader);
  const jwt = identity.proofFormats.includes('vc-jwt') ? await signCredentialJwt(proofed, await jwtKey()) : null;
  return { credential: proofed as unknown as Record<string, unknown>, jwt };
}
