import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { IssuerAuthorizationsTable } from './schema.js';
import type { OrganizationFacts } from '../authorizations/organization-object.js';

/** Cross-org issuer authorizations (Credly-style): which orgs may issue which org's credentials. */
export type AuthorizationRow = Selectable<IssuerAuthorizationsTable>;

/** What an authorization answer shows of an org: the facts src/authorizations/organization-object.ts shapes. */
export type OrgSummaryRow = OrganizationFacts;

export function authorizationRepository(db: Db) {
  return {
    /** The active authorization letting `issuerOrg` issue `grantorOrg`'s credentials, if any. */
    async findAuthorization(grantorOrg: string, issuerOrg: string): Promise<AuthorizationRow | undefined> {
      return db
        .selectFrom('issuer_authorizations')
        .selectAll()
        .where('grantor_org', '=', grantorOrg)
        .where('issuer_org', '=', issuerOrg)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    /** Has `grantorOrg` ever authorized `issuerOrg` (even if since withdrawn)? Its issued assertions stay visible. */
    async everAuthorized(grantorOrg: string, issuerOrg: string): Promise<boolean> {
      const row = await db
        .selectFrom('issuer_authorizations')
        .select('id')
        .where('grantor_org', '=', grantorOrg)
        .where('issuer_org', '=', issuerOrg)
        .executeTakeFirst();
      return row !== undefined;
    },

    async insert(
      row: Omit<AuthorizationRow, 'created_at' | 'deleted_at' | 'allowed_badge_templates'> & {
        allowed_badge_templates: string[];
      },
    ): Promise<AuthorizationRow | undefined> {
      return db
        .insertInto('issuer_authorizations')
        .values({ ...row, allowed_badge_templates: JSON.stringify(row.allowed_badge_templates) })
        .onConflict((oc) =>
          oc
            .expression(sql`grantor_org, issuer_org`)
            .where('deleted_at', 'is', null)
            .doNothing(),
        )
        .returningAll()
        .executeTakeFirst();
    },

    async getActive(grantorOrg: string, id: string): Promise<AuthorizationRow | undefined> {
      return db
        .selectFrom('issuer_authorizations')
        .selectAll()
        .where('grantor_org', '=', grantorOrg)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    async softDelete(id: string): Promise<void> {
      await db
        .updateTable('issuer_authorizations')
        .set({ deleted_at: sql`now()` })
        .where('id', '=', id)
        .execute();
    },

    async list(side: 'grantor_org' | 'issuer_org', org: string, page: { offset: number; limit: number }) {
      const base = db.selectFrom('issuer_authorizations').where(side, '=', org).where('deleted_at', 'is', null);
      const [{ n }, rows] = await Promise.all([
        base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
        base.selectAll().orderBy('created_at').orderBy('id').offset(page.offset).limit(page.limit).execute(),
      ]);
      return { count: n, rows };
    },

    /** Id, name, profile, primary issuer (the oldest live one) and credential count of each org. */
    async orgSummaries(orgs: string[]): Promise<Map<string, OrgSummaryRow>> {
      if (orgs.length === 0) return new Map();
      type Row = Omit<OrgSummaryRow, 'issuer'> & {
        issuer_id: string | null;
        issuer_url: string | null;
        icon_image: string | null;
      };
      const { rows } = await sql<Row>`
        select o.org, o.id, o.name, o.url, o.photo_url, i.id as issuer_id, i.url as issuer_url, i.icon_image,
               (select count(*)::int from credentials c where c.org = o.org and c.deleted_at is null) as badge_template_count
        from orgs o
        left join lateral (
          select id, url, icon_image from issuers
          where org = o.org and retired_at is null order by created_at, id limit 1
        ) i on true
        where o.org in (${sql.join(orgs)})`.execute(db);
      return new Map(
        rows.map(({ issuer_id, issuer_url, icon_image, ...r }) => [
          r.org,
          { ...r, issuer: issuer_id ? { id: issuer_id, url: issuer_url, icon_image } : null },
        ]),
      );
    },
  };
}

export type AuthorizationRepository = ReturnType<typeof authorizationRepository>;
