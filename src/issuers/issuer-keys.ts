import { sql } from 'kysely';
import type { JWK } from 'jose';
import type { Db } from '../db/database.js';
import { generateIssuerKeyPair, type SigningAlg } from '../signing/issuer-key.js';
import { decryptPrivateJwk, encryptPrivateJwk } from '../signing/key-encryption.js';
import { toPublicJwk } from '../signing/jwks.js';
import { newEntityId } from '../ids.js';
import type { PublicUrls } from '../public-urls.js';
import { NotFoundError } from '../errors.js';
import { issuerDidService } from './issuer-dids.js';

/**
 * Issuer signing keys: created with the issuer, sealed at rest, rotated on demand. Retired keys
 * sign nothing new and stay published, so credentials signed with them still verify.
 */
export interface ActiveSigningKey {
  keyId: string;
  /** The key's public URL: the JWT header `kid`. */
  kid: string;
  alg: SigningAlg;
  privateJwk: JWK;
}

export interface PublishedKey {
  keyId: string;
  issuerId: string;
  alg: SigningAlg;
  jwk: JWK;
  createdAt: Date;
  retiredAt: Date | null;
}

/** How long a process signs with the key it last read; the bound after a rotation on another replica. */
export const ACTIVE_KEY_TTL_MS = 60_000;

export function issuerKeyService(deps: { db: Db; masterKey: string; urls: PublicUrls }) {
  const { db, masterKey, urls } = deps;
  // Decrypting and importing on every signature would dominate bulk issuance. Entries expire, so
  // a rotation on one replica is followed by every other within ACTIVE_KEY_TTL_MS.
  const activeCache = new Map<string, { key: ActiveSigningKey; at: number }>();

  async function insertKey(exec: Db, issuerId: string, alg: SigningAlg): Promise<string> {
    const pair = await generateIssuerKeyPair(alg);
    const keyId = newEntityId();
    await exec
      .insertInto('issuer_keys')
      .values({
        id: keyId,
        issuer_id: issuerId,
        alg,
        public_jwk: JSON.stringify(pair.publicJwk),
        private_jwk_enc: encryptPrivateJwk(pair.privateJwk, masterKey, keyId),
      })
      .execute();
    return keyId;
  }

  function toPublished(row: {
    id: string;
    issuer_id: string;
    alg: SigningAlg;
    public_jwk: Record<string, unknown>;
    created_at: Date;
    retired_at: Date | null;
  }): PublishedKey {
    return {
      keyId: row.id,
      issuerId: row.issuer_id,
      alg: row.alg,
      jwk: toPublicJwk(row.public_jwk as JWK, urls.key(row.id), row.alg, { issuer: urls.issuerProfile(row.issuer_id) }),
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    };
  }

  const listPublicKeys = async (issuerId?: string): Promise<PublishedKey[]> => {
    let q = db.selectFrom('issuer_keys').select(['id', 'issuer_id', 'alg', 'public_jwk', 'created_at', 'retired_at']);
    if (issuerId) q = q.where('issuer_id', '=', issuerId);
    const rows = await q.orderBy('created_at').execute();
    return rows.map(toPublished);
  };

  const dids = issuerDidService(db, masterKey, urls, async (issuerId) =>
    (await listPublicKeys(issuerId)).map((k) => k.jwk),
  );

  return {
    /** The issuer's DID and Ed25519 key for Data Integrity proofs (issue 14). */
    dids,

    /** Call inside the transaction that creates the issuer (pass the transaction). */
    createKey: (exec: Db, issuerId: string, alg: SigningAlg) => insertKey(exec, issuerId, alg),

    async getSigningKey(issuerId: string): Promise<ActiveSigningKey> {
      const cached = activeCache.get(issuerId);
      if (cached && Date.now() - cached.at < ACTIVE_KEY_TTL_MS) return cached.key;
      const row = await db
        .selectFrom('issuer_keys')
        .select(['id', 'alg', 'private_jwk_enc'])
        .where('issuer_id', '=', issuerId)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`Issuer "${issuerId}" has no active signing key.`);
      const key: ActiveSigningKey = {
        keyId: row.id,
        kid: urls.key(row.id),
        alg: row.alg,
        privateJwk: decryptPrivateJwk(row.private_jwk_enc, masterKey, row.id),
      };
      activeCache.set(issuerId, { key, at: Date.now() });
      return key;
    },

    /** Retires the active key and creates a new one; returns the new key id. */
    async rotate(issuerId: string): Promise<string> {
      const keyId = await db.transaction().execute(async (trx) => {
        const current = await trx
          .updateTable('issuer_keys')
          .set({ retired_at: sql`now()` })
          .where('issuer_id', '=', issuerId)
          .where('retired_at', 'is', null)
          .returning('alg')
          .executeTakeFirst();
        const issuer = await trx
          .selectFrom('issuers')
          .select('signing_alg')
          .where('id', '=', issuerId)
          .executeTakeFirstOrThrow();
        return insertKey(trx, issuerId, current?.alg ?? issuer.signing_alg);
      });
      // Other processes keep signing with the retired key until their entry expires; that is
      // harmless, since retired keys stay published and valid.
      activeCache.delete(issuerId);
      dids.forget(issuerId);
      return keyId;
    },

    /**
     * A published key by id, read now: its retirement may change (a rotation, or one dated back after
     * a compromise), and a verification outcome is kept for the revocation bound from this read on.
     */
    async getPublicKey(keyId: string): Promise<PublishedKey | undefined> {
      const row = await db
        .selectFrom('issuer_keys')
        .select(['id', 'issuer_id', 'alg', 'public_jwk', 'created_at', 'retired_at'])
        .where('id', '=', keyId)
        .executeTakeFirst();
      return row ? toPublished(row) : undefined;
    },

    listPublicKeys,
  };
}

export type IssuerKeyService = ReturnType<typeof issuerKeyService>;
