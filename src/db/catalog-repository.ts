import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import type { CredentialsTable, ImagesTable, IssuersTable, SignatoriesTable } from './schema.js';

/**
 * The catalog table group: issuers, credentials (badge classes), signatories and images.
 *
 * Plain functions taking the database (or a transaction) first, so the issuance and rendering code
 * can read the catalog without building a service. The read functions at the top are a stable
 * contract for other modules: do not change their signatures.
 *
 * Retired issuers and deleted credentials stay in their tables (issued assertions must keep
 * verifying): the org-scoped getters hide them, the unscoped `…ById` getters do not.
 */
export type IssuerRow = Selectable<IssuersTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type SignatoryRow = Selectable<SignatoriesTable>;
export type ImageRow = Selectable<ImagesTable>;

export interface Signatory {
  name: string;
  title: string;
  /** URL of the signature image. */
  signature: string;
}

// ---------------------------------------------------------------------------------------------
// Stable read contract

export function catalogRepository(db: Db) {
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async updateIssuer(org: string, id: string, patch: Partial<IssuerValues>): Promise<IssuerRow | undefined> {
      const { allowed_template_tags, ...rest } = patch;
      return db
        .updateTable('issuers')
        .set({
          ...rest,
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

    async listCredentials(
      org: string,
      filter: CredentialFilter,
      page: { limit: number; offset: number },
    ): Promise<{ count: number; rows: CredentialRow[] }> {
      let base = db.selectFrom('credentials').where('org', '=', org).where('deleted_at', 'is', null);
      if (filter.publicOnly) base = base.where('is_public', '=', true);
      if (filter.course !== undefined) base = base.where('course', '=', filter.course);
      if (filter.program !== undefined) base = base.where('program', '=', filter.program);
      if (filter.search) {
        const like = likePattern(filter.search);
        base = base.where((eb) => eb.or([eb('name', 'ilike', like), eb('description', 'ilike', like)]));
      }
      const [{ n }, rows] = await Promise.all([
        base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
        base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      ]);
      return { count: n, rows };
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

    /**
     * Credentials grouped by course (credentials without a course are not listed): one page of
     * courses, ordered by course id, each with all its live credentials.
     */
    async listCourseCredentials(
      org: string,
      filter: { search?: string; publicOnly: boolean },
      page: { limit: number; offset: number },
    ): Promise<{ count: number; groups: { course: string; credentials: CredentialRow[] }[] }> {
      let base = db
        .selectFrom('credentials')
        .where('org', '=', org)
        .where('deleted_at', 'is', null)
        .where('course', 'is not', null);
      if (filter.publicOnly) base = base.where('is_public', '=', true);
      if (filter.search) {
        const like = likePattern(filter.search);
        base = base.where((eb) => eb.or([eb('course', 'ilike', like), eb('name', 'ilike', like)]));
      }
      const [{ n }, courses] = await Promise.all([
        base.select(sql<number>`count(distinct course)::int`.as('n')).executeTakeFirstOrThrow(),
        base.select('course').distinct().orderBy('course').limit(page.limit).offset(page.offset).execute(),
      ]);
      const names = courses.map((c) => c.course as string);
      if (names.length === 0) return { count: n, groups: [] };
      const rows = await base
        .selectAll()
        .where('course', 'in', names)
        .orderBy('course')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const byCourse = new Map<string, CredentialRow[]>(names.map((c) => [c, []]));
      for (const r of rows) byCourse.get(r.course as string)!.push(r);
      return { count: n, groups: names.map((course) => ({ course, credentials: byCourse.get(course)! })) };
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

    async insertImage(row: Omit<ImageRow, 'id' | 'created_at'>): Promise<ImageRow> {
      return db.insertInto('images').values(row).returningAll().executeTakeFirstOrThrow();
    },

    async searchImages(org: string, query: string, limit: number): Promise<ImageRow[]> {
      return db
        .selectFrom('images')
        .selectAll()
        .where('org', '=', org)
        .where('name', 'ilike', likePattern(query))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },

    /** A stored image by its file-store key (the public images route serves only these). */
    async getImageByKey(fileKey: string): Promise<ImageRow | undefined> {
      return db.selectFrom('images').selectAll().where('file_key', '=', fileKey).executeTakeFirst();
    },
  };
}

export type CatalogRepository = ReturnType<typeof catalogRepository>;

// ---------------------------------------------------------------------------------------------
// Issuers

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

export interface IssuerValues {
  name: string;
  description?: string | null;
  icon_image?: string | null;
  email?: string | null;
  url?: string | null;
  allowed_template_tags?: string[] | null;
}

// ---------------------------------------------------------------------------------------------
// Credentials

export interface CredentialFilter {
  search?: string;
  course?: string;
  program?: string;
  /** Callers without admin rights see only public credentials. */
  publicOnly: boolean;
}

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

// ---------------------------------------------------------------------------------------------
// Signatories

// ---------------------------------------------------------------------------------------------
// Images
