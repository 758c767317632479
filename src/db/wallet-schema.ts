import type { ColumnType } from 'kysely';

/** The tables of migration 015 (wallet exchanges and the copies issued through them), as Kysely sees them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ExchangeState = 'pending' | 'requested' | 'complete';

export interface WalletExchangesTable {
  id: string;
  assertion_id: string;
  org: string;
  challenge: string;
  state: ColumnType<ExchangeState, ExchangeState | undefined, ExchangeState>;
  /** `user:<id>` (a bearer token) or `claim` (a claim link). */
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  holder_did: string | null;
  completed_at: Timestamp | null;
}

export interface WalletCopiesTable {
  id: string;
  assertion_id: string;
  exchange_id: string;
  holder_did: string;
  credential_json: ColumnType<Record<string, unknown>, string, string>;
  /** Null when the issuer signs Data Integrity only (migration 019). */
  credential_jwt: string | null;
  /** Picked up through a claim link: these count against WALLET_MAX_COPIES (migration 019). */
  by_claim: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
}

export interface WalletTables {
  wallet_exchanges: WalletExchangesTable;
  wallet_copies: WalletCopiesTable;
}
