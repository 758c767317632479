import { sql } from 'kysely';
import type { Db } from './database.js';
import type { Signatory, SignatoryRow } from './catalog-repository.js';

/** Signatories of issuers and of credentials. */
export function signatoryQueries(db: Db) {
  return {
    /**
     * The signatories of a credential: its own first (most specific), then its issuer's, each in the
     * order they were added. Either id may be omitted.
     */
    async listSignatories(target: { issuerId?: string | null; credentialId?: string | null }): Promise<Signatory[]> {
      const { issuerId, credentialId } = target;
      if (!issuerId && !credentialId) return [];
      const rows = await db
        .selectFrom('signatories')
        .select(['name', 'title', 'signature', 'credential_id'])
        .where((eb) => {
          const ors = [];
          if (credentialId) ors.push(eb('credential_id', '=', credentialId));
          if (issuerId) ors.push(eb.and([eb('issuer_id', '=', issuerId), eb('credential_id', 'is', null)]));
          return eb.or(ors);
        })
        .orderBy(sql`credential_id is null`)
        .orderBy('id')
        .execute();
      return rows.map(({ name, title, signature }) => ({ name, title, signature }));
    },

    async insertSignatory(
      row: { org: string; issuer_id: string | null; credential_id: string | null } & Signatory,
    ): Promise<SignatoryRow> {
      return db.insertInto('signatories').values(row).returningAll().executeTakeFirstOrThrow();
    },

    /** The signatories attached directly to each issuer (not to its credentials), for issuer objects. */
    async listIssuerSignatories(issuerIds: string[]): Promise<Map<string, Signatory[]>> {
      const out = new Map<string, Signatory[]>(issuerIds.map((id) => [id, []]));
      if (issuerIds.length === 0) return out;
      const rows = await db
        .selectFrom('signatories')
        .select(['issuer_id', 'name', 'title', 'signature'])
        .where('issuer_id', 'in', issuerIds)
        .where('credential_id', 'is', null)
        .orderBy('id')
        .execute();
      for (const r of rows)
        out.get(r.issuer_id as string)?.push({ name: r.name, title: r.title, signature: r.signature });
      return out;
    },

    /** {@link listSignatories} for many credentials at once (list pages), keyed by credential id. */
    async listSignatoriesOfCredentials(
      credentials: { id: string; issuer_id: string }[],
    ): Promise<Map<string, Signatory[]>> {
      const out = new Map<string, Signatory[]>(credentials.map((c) => [c.id, []]));
      if (credentials.length === 0) return out;
      const credIds = credentials.map((c) => c.id);
      const issuerIds = [...new Set(credentials.map((c) => c.issuer_id))];
      const rows = await db
        .selectFrom('signatories')
        .select(['issuer_id', 'credential_id', 'name', 'title', 'signature'])
        .where((eb) =>
          eb.or([
            eb('credential_id', 'in', credIds),
            eb.and([eb('issuer_id', 'in', issuerIds), eb('credential_id', 'is', null)]),
          ]),
        )
        .orderBy('id')
        .execute();
      for (const c of credentials) {
        const own = rows.filter((r) => r.credential_id === c.id);
        const issuers = rows.filter((r) => r.credential_id === null && r.issuer_id === c.issuer_id);
        out.set(
          c.id,
          [...own, ...issuers].map(({ name, title, signature }) => ({ name, title, signature })),
        );
      }
      return out;
    },
  };
}
