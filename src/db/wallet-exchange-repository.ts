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
  credential_jwt: string;
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
     * completions (or a replay racing the original) exactly one wins; the other gets false.
     */
    async complete(exchangeId: string, copy: NewWalletCopy): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const won = await trx
          .updateTable('wallet_exchanges')
          .set({ state: 'complete', holder_did: copy.holder_did, completed_at: sql<Date>`now()` })
          .where('id', '=', exchangeId)
          .where('state', '!=', 'complete')
          .where('expires_at', '>', sql<Date>`now()`)
          .returning('id')
          .executeTakeFirst();
        if (!won) return false;
        await trx
          .insertInto('wallet_copies')
          .values({ ...copy, credential_json: JSON.stringify(copy.credential_json) })
          .execute();
        return true;
      });
    },

    /** The VC-JWT of a wallet copy by its credential id (`urn:uuid:<copy id>`), for /verify. */
    /** A wallet copy as issued: its VC-JWT and its (Data Integrity proofed) JSON credential. */
    async copyCredential(copyId: string): Promise<{ jwt: string; credential: Record<string, unknown> } | undefined> {
      const row = await db
        .selectFrom('wallet_copies')
        .select(['credential_jwt', 'credential_json'])
        .where('id', '=', copyId)
        .executeTakeFirst();
      return row && { jwt: row.credential_jwt, credential: row.credential_json as Record<string, unknown> };
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

    async holdersOf(assertionId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('wallet_copies')
        .select('holder_did')
        .where('assertion_id', '=', assertionId)
        .orderBy('created_at')
        .execute();
      return rows.map((r) => r.holder_did);
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
