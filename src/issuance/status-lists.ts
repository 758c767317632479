import { randomInt } from 'node:crypto';
import type { Db } from '../db/database.js';
import {
  getStatusList,
  reserveStatusEntries,
  revokedStatusIndexes,
  storeSignedStatusList,
  takenStatusIndexes,
} from '../db/status-list-repository.js';
import { getIssuerById } from '../db/catalog-repository.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import { buildStatusListCredential, createBitstring, encodeBitstring, MIN_STATUS_LIST_SIZE, setBit } from '../openbadges/status-list.js';
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
 * one time in four, while each list still hides every credential among ~100k others.
 */
export const STATUS_LIST_CAPACITY = (STATUS_LIST_SIZE * 3) / 4;
/** How long verifiers may cache a list (the credential's `ttl`, and the HTTP max-age). */
export const STATUS_LIST_TTL_MS = 5 * 60_000;

export interface StatusAllocation {
  listId: string;
  listUrl: string;
  size: number;
}

export function statusListService(db: Db, urls: PublicUrls, keys: IssuerKeyService) {
  return {
    /** Reserves room for `count` credentials in an open list of the issuer. */
    async reserve(org: string, issuerId: string, count: number): Promise<StatusAllocation> {
      const list = await reserveStatusEntries(db, { org, issuerId, count, size: STATUS_LIST_SIZE, capacity: STATUS_LIST_CAPACITY });
      return { listId: list.id, listUrl: urls.statusList(list.id), size: list.size };
    },

    /**
     * `count` distinct random indexes that no stored credential uses. Concurrent issuers may pick
     * the same one; the unique (list, index) constraint refuses the second, which then retries.
     */
    async pickFreeIndexes(allocation: StatusAllocation, count: number, exclude: ReadonlySet<number> = new Set()): Promise<number[]> {
      const chosen = new Set<number>();
      for (let round = 0; chosen.size < count && round < 16; round++) {
        const want = count - chosen.size;
        const candidates = new Set<number>();
        while (candidates.size < want * 2 + 16) {
          const i = randomInt(allocation.size);
          if (!chosen.has(i) && !exclude.has(i)) candidates.add(i);
        }
        const taken = new Set(await takenStatusIndexes(db, allocation.listId, [...candidates]));
        for (const c of candidates) {
          if (taken.has(c)) continue;
          chosen.add(c);
          if (chosen.size === count) break;
        }
      }
      return [...chosen];
    },

    /**
     * The signed list (compact VC-JWT), from the cache when no bit flipped since it was signed.
     * Undefined for an unknown list.
     */
    async signedList(listId: string): Promise<string | undefined> {
      const list = await getStatusList(db, listId);
      if (!list) return undefined;
      if (list.signed_jwt && list.signed_version === list.version) return list.signed_jwt;
      // Bits are read after the version, so the signed list is never older than the version it is stored under.
      const bits = createBitstring(list.size);
      for (const i of await revokedStatusIndexes(db, listId)) setBit(bits, i, true);
      const issuer = await getIssuerById(db, list.issuer_id);
      const credential = buildStatusListCredential({
        id: urls.statusList(listId),
        issuer: urls.issuerProfile(list.issuer_id),
        validFrom: new Date(),
        encodedList: encodeBitstring(bits),
        ttl: STATUS_LIST_TTL_MS,
      });
      if (!issuer) throw new Error(`Status list ${listId} has no issuer.`);
      const key = await keys.getSigningKey(issuer.id);
      const jwt = await signCredentialJwt(credential, { privateJwk: key.privateJwk, alg: key.alg, kid: key.kid });
      await storeSignedStatusList(db, listId, list.version, jwt);
      return jwt;
    },
  };
}

export type StatusListService = ReturnType<typeof statusListService>;
