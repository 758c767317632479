import { sql } from 'kysely';
import type { Db } from './database.js';
import type { ExchangeState } from './wallet-schema.js';

export interface ExchangeRow {
  id: string;
  assertion_id: string;
  org: string;
  challenge: string;
  state: ExchangeState;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  holder_did: string | null;
  completed_at: Date | null;
}

export interface NewWalletCopy {
  id: string;
  assertion_id: string;
  exchange_id: string;
  holder_did: string;
  credential_json: Record<string, unknown>;
  /** Null when the issuer signs Data Integrity only. */
  credential_jwt: string | null;
  /** Picked up through a claim link (counted against the claim link's copy limit). */
  by_claim: boolean;
}

export type CompleteOutcome = 'stored' | 'lost' | 'capped';

async function claimCopiesIn(db: Db, assertionId: string): Promise<number> {
  const row = await db
    .selectFrom('wallet_copies')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('assertion_id', '=', assertionId)
    .where('by_claim', '=', true)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Exchanges and wallet copies (migration 015). Every state change is one conditional UPDATE. */
export function walletExchangeRepository(db: Db) {
  return {
    async insertExchange(row: Omit<ExchangeRow, 'state' | 'created_at' | 'holder_did' | 'completed_at'>) {
      await db.insertInto('wallet_exchanges').values(row).execute();
    },

    async getExchange(id: string): Promise<ExchangeRow | undefined> {
      return db.selectFrom('wallet_exchanges').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The newest unfinished claim-link exchange of an assertion still open at `openUntil`. */
    async openClaimExchange(assertionId: string, openUntil: Date): Promise<ExchangeRow | undefined> {
      return db
        .selectFrom('wallet_exchanges')
        .selectAll()
        .where('assertion_id', '=', assertionId)
        .where('created_by', '=', 'claim')
        .where('state', '!=', 'complete')
        .where('expires_at', '>', openUntil)
        .orderBy('expires_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** pending → requested (the VPR was handed out); a no-op in any other state. */
    async markRequested(id: string): Promise<void> {
      await db
        .updateTable('wallet_exchanges')
        .set({ state: 'requested' })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .execute();
    },

    /**
     * Completes a live exchange and stores its copy in one transaction: of two concurrent
     * completions (or a replay racing the original) exactly one wins ('lost' for the others).
     * A copy picked up through a claim link is counted first, under a lock of its assertion's row,
     * so wallets racing at the limit cannot all pass it ('capped': nothing changed).
     */
    async complete(exchangeId: string, copy: NewWalletCopy, claimLimit?: number): Promise<CompleteOutcome> {
      return db.transaction().execute(async (trx) => {
        if (copy.by_claim && claimLimit !== undefined) {
          // NO KEY UPDATE: serializes the counters of one assertion, not the copies' foreign keys.
          await trx
            .selectFrom('assertions')
            .select('id')
            .where('id', '=', copy.assertion_id)
            .forNoKeyUpdate()
            .execute();
          if ((await claimCopiesIn(trx, copy.assertion_id)) >= claimLimit) return 'capped';
        }
        const won = await trx
          .updateTable('wallet_exchanges')
          .set({ state: 'complete', holder_did: copy.holder_did, completed_at: sql<Date>`now()` })
          .where('id', '=', exchangeId)
          .where('state', '!=', 'complete')
          .where('expires_at', '>', sql<Date>`now()`)
          .returning('id')
          .executeTakeFirst();
        if (!won) return 'lost';
        await trx
          .insertInto('wallet_copies')
          .values({ ...copy, credential_json: JSON.stringify(copy.credential_json) })
          .execute();
        return 'stored';
      });
    },

    /** How many copies of an assertion claim links have picked up. */
    claimCopies(assertionId: string): Promise<number> {
      return claimCopiesIn(db, assertionId);
    },

    /** A wallet copy as issued: its (Data Integrity proofed) JSON credential, and its VC-JWT if it has one. */
    async copyCredential(copyId: string): Promise<{ jwt?: string; credential: Record<string, unknown> } | undefined> {
      const row = await db
        .selectFrom('wallet_copies')
        .select(['credential_jwt', 'credential_json'])
        .where('id', '=', copyId)
        .executeTakeFirst();
      return (
        row && {
          ...(row.credential_jwt && { jwt: row.credential_jwt }),
          credential: row.credential_json as Record<string, unknown>,
        }
      );
    },

    /**
     * The live assertions of a credential held by these recipients, named as a bulk answer names
     * them (a user id, or an email for recipients given by email).
     */
    async liveAssertionsOf(org: string, credentialId: string, labels: string[]) {
      if (labels.length === 0) return [];
      const emails = labels.filter((l) => l.includes('@')).map((l) => l.toLowerCase());
      return db
        .selectFrom('assertions')
        .select(['id', 'recipient_user_id', 'recipient_email'])
        .where('org', '=', org)
        .where('credential_id', '=', credentialId)
        .where('revoked_at', 'is', null)
        .where('superseded_at', 'is', null)
        .where((eb) =>
          emails.length
            ? eb.or([eb('recipient_user_id', 'in', labels), eb(eb.fn('lower', ['recipient_email']), 'in', emails)])
            : eb('recipient_user_id', 'in', labels),
        )
        .execute();
    },

    /** Exchanges past their expiry by more than `graceMs` go (their copies stay). */
    async deleteExpired(graceMs: number): Promise<number> {
      const r = await db
        .deleteFrom('wallet_exchanges')
        .where('expires_at', '<', new Date(Date.now() - graceMs))
        .where('state', '!=', 'complete')
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type WalletExchangeRepository = ReturnType<typeof walletExchangeRepository>;
