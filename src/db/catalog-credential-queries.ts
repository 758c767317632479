import { sql } from 'kysely';
import type { Db } from './database.js';
import type { CredentialRow } from './catalog-repository.js';

export interface CredentialValues {
  name: string;
  description: string;
  credential_type: string | null;
  html_template: string | null;
  css_template: string | null;
  icon_image: string | null;
  background_image: string | null;
  thumbnail_image: string | null;
  criteria_url: string | null;
  criteria_text: string | null;
  issuing_signal: string | null;
  course: string | null;
  program: string | null;
  is_public: boolean;
  validity_days: number | null;
  tags: string[];
  alignment: Record<string, unknown>[];
  skills: Record<string, unknown>[];
}

const jsonColumns = <T extends Partial<CredentialValues>>(v: T) => ({
  ...v,
  ...(v.tags !== undefined && { tags: JSON.stringify(v.tags) }),
  ...(v.alignment !== undefined && { alignment: JSON.stringify(v.alignment) }),
  ...(v.skills !== undefined && { skills: JSON.stringify(v.skills) }),
});

/** Credentials (badge classes) one at a time: read, write, delete, and their template versions. */
export function credentialQueries(db: Db) {
  return {
    /** A credential of `org` that has not been deleted. */
    async getCredential(org: string, credentialId: string): Promise<CredentialRow | undefined> {
      return db
        .selectFrom('credentials')
        .selectAll()
        .where('org', '=', org)
        .where('id', '=', credentialId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    /** Any credential, deleted or not, in any org: for public achievement documents of issued assertions. */
    async getCredentialById(credentialId: string): Promise<CredentialRow | undefined> {
      return db.selectFrom('credentials').selectAll().where('id', '=', credentialId).executeTakeFirst();
    },

    async insertCredential(
      row: CredentialValues & { id: string; org: string; issuer_id: string },
    ): Promise<CredentialRow> {
      return db
        .insertInto('credentials')
        .values(jsonColumns(row) as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /** Updates a live credential; `bumpTemplateVersion` increments template_version in the same statement. */
    async updateCredential(
      org: string,
      id: string,
      patch: Partial<CredentialValues> & { issuer_id?: string },
      bumpTemplateVersion: boolean,
    ): Promise<CredentialRow | undefined> {
      return db
        .updateTable('credentials')
        .set({
          ...(jsonColumns(patch) as object),
          ...(bumpTemplateVersion && { template_version: sql<number>`template_version + 1` }),
          updated_at: sql`now()`,
        })
        .where('org', '=', org)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * Raises template_version of one credential, or of every credential of an issuer: what their
     * certificates show changed (issuer name or logo, signatories), so rendered files are stale.
     */
    async bumpTemplateVersions(
      org: string,
      target: { credentialId: string } | { issuerId: string },
    ): Promise<number[]> {
      let q = db
        .updateTable('credentials')
        .set({ template_version: sql<number>`template_version + 1`, updated_at: sql`now()` })
        .where('org', '=', org)
        .where('deleted_at', 'is', null);
      q =
        'credentialId' in target ? q.where('id', '=', target.credentialId) : q.where('issuer_id', '=', target.issuerId);
      return (await q.returning('template_version').execute()).map((r) => r.template_version);
    },

    async softDeleteCredential(org: string, id: string): Promise<boolean> {
      const r = await db
        .updateTable('credentials')
        .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
        .where('org', '=', org)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /**
     * The live credentials of an issuer that have their own templates (to re-check them when the
     * issuer's tags change).
     */
    async listTemplatedCredentialsOfIssuer(org: string, issuerId: string): Promise<CredentialRow[]> {
      return db
        .selectFrom('credentials')
        .selectAll()
        .where('org', '=', org)
        .where('issuer_id', '=', issuerId)
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('html_template', 'is not', null), eb('css_template', 'is not', null)]))
        .orderBy('created_at')
        .execute();
    },
  };
}
