import type { StatusListRepository } from '../db/status-list-repository.js';
import { dataIntegrityStatusList } from './status-list-di.js';
import { issuerRefOf } from './award-proofs.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import {
  buildStatusListCredential,
  createBitstring,
  encodeBitstring,
  MIN_STATUS_LIST_SIZE,
  setBit,
} from '../openbadges/status-list.js';
import type { PublicUrls } from '../public-urls.js';
import { signCredentialJwt } from '../signing/vc-jwt.js';

/**
 * Revocation status through W3C Bitstring Status Lists (OPEN-BADGES.md §5.2): every credential
 * gets a random index in a list of its issuer, and a revoked credential's bit is set in that list,
 * which is itself a credential signed (VC-JWT) by the issuer's key.
 */
export const STATUS_LIST_SIZE = MIN_STATUS_LIST_SIZE;
/**
 * A list takes new entries up to three quarters full. Random picks then hit a free index at least
 * one time in four, while each list still hides every credential among ~100k others. Entries
 * count as taken from their reservation on; a job gives back what it reserved and did not use.
 */
export const STATUS_LIST_CAPACITY = (STATUS_LIST_SIZE * 3) / 4;
/** How long verifiers may cache a list (the credential's `ttl`, and the HTTP max-age). */
export const STATUS_LIST_TTL_MS = 5 * 60_000;

/** A status entry of a new credential: its list (by URL, as the credential names it) and index. */
export interface StatusSlot {
  listId: string;
  listUrl: string;
  index: number;
}

export interface StatusListServiceDeps {
  statusListRepo: StatusListRepository;
  urls: PublicUrls;
  issuerKeys: IssuerKeyService;
}

export function statusListService(deps: StatusListServiceDeps) {
  const { statusListRepo, urls, issuerKeys: keys } = deps;
  return {
    /**
     * `count` entries of the issuer's lists for `holder` (the issuing job) alone, at random
     * indexes; a retry of the job gets back the ones it reserved before and did not use.
     */
    async reserve(
      org: string,
      issuer: { id: string; ref: string },
      holder: string,
      count: number,
    ): Promise<StatusSlot[]> {
      const [size, capacity] = [STATUS_LIST_SIZE, STATUS_LIST_CAPACITY];
      const entries = await statusListRepo.reserveStatusEntries({
        org,
        issuerId: issuer.id,
        issuerRef: issuer.ref,
        holder,
        count,
        size,
        capacity,
      });
      return entries.map((e) => ({ ...e, listUrl: urls.statusList(e.listId) }));
    },

    /** The job is done: its reserved entries that no assertion took go back to their lists. */
    async release(issuerId: string, holder: string): Promise<void> {
      await statusListRepo.releaseStatusEntries(issuerId, holder);
    },

    /**
     * The signed list (compact VC-JWT), from the cache when no bit flipped since it was signed.
     * Undefined for an unknown list.
     */
    async signedList(listId: string): Promise<string | undefined> {
      const list = await statusListRepo.getStatusList(listId);
      if (!list) return undefined;
      if (list.signed_jwt && list.signed_version === list.version) return list.signed_jwt;
      // Bits are read after the version, so the signed list is never older than the version it is stored under.
      const bits = createBitstring(list.size);
      for (const i of await statusListRepo.revokedStatusIndexes(listId)) setBit(bits, i, true);
      // The same issuer id as the credentials that point at it: the DID of a Data Integrity issuer,
      // else its Profile URL (verifiers may require the two to match).
      // A list made before migration 017 that no credential points at (019 filled the others) names
      // the issuer as its credentials are issued now.
      const identity = list.issuer_ref ? undefined : await keys.dids.identity(list.issuer_id);
      const credential = buildStatusListCredential({
        id: urls.statusList(listId),
        issuer: list.issuer_ref ?? issuerRefOf(urls, list.issuer_id, identity),
        validFrom: new Date(),
        encodedList: encodeBitstring(bits),
        ttl: STATUS_LIST_TTL_MS,
      });
      const key = await keys.getSigningKey(list.issuer_id);
      const jwt = await signCredentialJwt(credential, { privateJwk: key.privateJwk, alg: key.alg, kid: key.kid });
      await statusListRepo.storeSignedStatusList(listId, list.version, jwt);
      return jwt;
    },

    /** The same list as JSON with a Data Integrity proof by the issuer's DID (what wallets read). */
    dataIntegrityList: (listId: string) =>
      dataIntegrityStatusList(statusListRepo, urls, keys, listId, STATUS_LIST_TTL_MS),
  };
}

export type StatusListService = ReturnType<typeof statusListService>;
