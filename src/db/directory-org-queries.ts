import { sql } from 'kysely';
import type { Db } from './database.js';

export interface OrgRow {
  org: string;
  /** Stable UUID beside the slug. */
  id: string;
  name: string;
  timezone: string;
  url: string | null;
  photo_url: string | null;
  created_at: Date;
}

/** The org profile fields an admin sets. */
export interface OrgProfile {
  name?: string;
  url?: string | null;
  photo_url?: string | null;
}

/** Orgs (tenants): their slug, UUID and profile. */
export function orgQueries(db: Db) {
  return {
    async getOrg(org: string): Promise<OrgRow | undefined> {
      return db.selectFrom('orgs').selectAll().where('org', '=', org).executeTakeFirst();
    },

    /** By slug or by UUID; a slug that happens to equal another org's UUID wins. */
    async findOrg(ref: string): Promise<OrgRow | undefined> {
      return db
        .selectFrom('orgs')
        .selectAll()
        .where((eb) => eb.or([eb('org', '=', ref), eb('id', '=', ref)]))
        .orderBy(sql`org = ${ref}`, 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    async updateOrg(org: string, patch: OrgProfile): Promise<OrgRow | undefined> {
      if (Object.keys(patch).length === 0) {
        return db.selectFrom('orgs').selectAll().where('org', '=', org).executeTakeFirst();
      }
      return db.updateTable('orgs').set(patch).where('org', '=', org).returningAll().executeTakeFirst();
    },

    async insertOrg(
      org: string,
      name: string,
      timezone?: string,
      profile: Omit<OrgProfile, 'name'> = {},
    ): Promise<OrgRow | undefined> {
      return db
        .insertInto('orgs')
        .values({
          org,
          name,
          ...(timezone ? { timezone } : {}),
          url: profile.url ?? null,
          photo_url: profile.photo_url ?? null,
        })
        .onConflict((oc) => oc.column('org').doNothing())
        .returningAll()
        .executeTakeFirst();
    },

    async countOrgs(): Promise<number> {
      const r = await db
        .selectFrom('orgs')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      return r.n;
    },
  };
}
