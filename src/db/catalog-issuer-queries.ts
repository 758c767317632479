import { sql } from 'kysely';
import type { Db } from './database.js';
import type { IssuerRow } from './catalog-repository.js';
import type { ProofFormat } from './schema.js';
import { likePattern } from './like-pattern.js';

export interface IssuerValues {
  name: string;
  description?: string | null;
  icon_image?: string | null;
  email?: string | null;
  url?: string | null;
  allowed_template_tags?: string[] | null;
  /** Issue 14: the DID future awards are issued under, and the proofs they carry. */
  did_method?: 'web' | 'key';
  proof_formats?: ProofFormat[];
}

/** Issuers of the catalog: live ones by org, any one by id. */
export function issuerQueries(db: Db) {
  return {
    /**
     * A live (not retired) issuer of `org`, by entity id or — as the API allows — by the org
     * identifier itself, which names the org's oldest live issuer.
     */
    async getIssuer(org: string, issuerId: string): Promise<IssuerRow | undefined> {
      let q = db.selectFrom('issuers').selectAll().where('org', '=', org).where('retired_at', 'is', null);
      if (issuerId !== org) q = q.where('id', '=', issuerId);
      return (
        q
          // An issuer whose entity id happens to equal the org identifier wins over "the oldest".
          .orderBy(sql`id = ${issuerId}`, 'desc')
          .orderBy('created_at')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst()
      );
    },

    /** Any issuer, retired or not, in any org: for public profile and key documents. */
    async getIssuerById(issuerId: string): Promise<IssuerRow | undefined> {
      return db.selectFrom('issuers').selectAll().where('id', '=', issuerId).executeTakeFirst();
    },

    /** An issuer's name and retirement, what verifying its credentials reads (not its image). */
    async getIssuerStanding(issuerId: string): Promise<Pick<IssuerRow, 'id' | 'name' | 'retired_at'> | undefined> {
      return db
        .selectFrom('issuers')
        .select(['id', 'name', 'retired_at'])
        .where('id', '=', issuerId)
        .executeTakeFirst();
    },

    async listIssuers(
      org: string,
      page: { q?: string; limit: number; offset: number },
    ): Promise<{ count: number; rows: IssuerRow[] }> {
      let base = db.selectFrom('issuers').where('org', '=', org).where('retired_at', 'is', null);
      if (page.q) base = base.where('name', 'ilike', likePattern(page.q));
      const [{ n }, rows] = await Promise.all([
        base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
        base.selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      ]);
      return { count: n, rows };
    },

    async insertIssuer(
      row: IssuerValues & { id: string; org: string; signing_alg: 'ES256' | 'RS256' },
    ): Promise<IssuerRow> {
      return db
        .insertInto('issuers')
        .values({
          ...row,
          allowed_template_tags: row.allowed_template_tags == null ? null : JSON.stringify(row.allowed_template_tags),
          proof_formats: row.proof_formats && JSON.stringify(row.proof_formats),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async updateIssuer(org: string, id: string, patch: Partial<IssuerValues>): Promise<IssuerRow | undefined> {
      const { allowed_template_tags, proof_formats, ...rest } = patch;
      return db
        .updateTable('issuers')
        .set({
          ...rest,
          ...(proof_formats !== undefined && { proof_formats: JSON.stringify(proof_formats) }),
          ...(allowed_template_tags !== undefined && {
            allowed_template_tags: allowed_template_tags === null ? null : JSON.stringify(allowed_template_tags),
          }),
          updated_at: sql`now()`,
        })
        .where('org', '=', org)
        .where('id', '=', id)
        .where('retired_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },

    /** Retires (never deletes) an issuer; returns false when there was no live issuer to retire. */
    async retireIssuer(org: string, id: string): Promise<boolean> {
      const r = await db
        .updateTable('issuers')
        .set({ retired_at: sql`now()`, updated_at: sql`now()` })
        .where('org', '=', org)
        .where('id', '=', id)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
