import type { StatusListRepository } from '../db/status-list-repository.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import { buildStatusListCredential, createBitstring, encodeBitstring, setBit } from '../openbadges/status-list.js';
import type { PublicUrls } from '../public-urls.js';
import { signDataIntegrity } from '../signing/data-integrity.js';
import { keyUnderDid } from '../issuers/did-document.js';

/**
 * The Data Integrity form of a Bitstring Status List (issue 14): wallets' verifiers read status
 * lists only as JSON credentials with an embedded proof. Cached per list version, like the JWT.
 * Undefined for an unknown list.
 */
export async function dataIntegrityStatusList(
  statusListRepo: StatusListRepository,
  urls: PublicUrls,
  keys: IssuerKeyService,
  listId: string,
  ttlMs: number,
): Promise<object | undefined> {
  const list = await statusListRepo.getStatusList(listId);
  if (!list) return undefined;
  if (list.signed_di && list.signed_di_version === list.version) return JSON.parse(list.signed_di) as object;
  const bits = createBitstring(list.size);
  for (const i of await statusListRepo.revokedStatusIndexes(listId)) setBit(bits, i, true);
  const identity = await keys.dids.identity(list.issuer_id);
  // The DID its credentials name (the same key under either method); a list of VC-JWT-only
  // credentials, or one no credential points at (made before 017, left null by 019), is signed by
  // the issuer's current DID.
  const did = list.issuer_ref?.startsWith('did:') ? list.issuer_ref : identity.did;
  const credential = buildStatusListCredential({
    id: urls.statusList(listId),
    issuer: did,
    validFrom: new Date(),
    encodedList: encodeBitstring(bits),
    ttl: ttlMs,
  });
  const signed = await signDataIntegrity(credential, keyUnderDid(did, identity.key), keys.dids.loader);
  // Stored for the version read before the bits, so it is never older than the version it names.
  await statusListRepo.storeSignedDataIntegrityList(listId, list.version, JSON.stringify(signed));
  return signed;
}
