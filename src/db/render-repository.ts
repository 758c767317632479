import type { Db } from './database.js';

/** Reads the render side needs beyond the assertion and catalog repositories. */

export function renderRepository(db: Db) {
  return {
    /** Ids of the live (unrevoked) assertions of a credential of `org`, oldest first. */
    async listLiveAssertionIds(org: string, credentialId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('assertions')
        .select('id')
        .where('org', '=', org)
        .where('credential_id', '=', credentialId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    },
  };
}

export type RenderRepository = ReturnType<typeof renderRepository>;
