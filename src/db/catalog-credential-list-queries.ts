import { sql } from 'kysely';
import type { Db } from './database.js';
import type { CredentialRow } from './catalog-repository.js';
import { likePattern } from './like-pattern.js';

export interface CredentialFilter {
  search?: string;
  course?: string;
  program?: string;
  /** Callers without admin rights see only public credentials. */
  publicOnly: boolean;
}

/** Pages of credentials: filtered, or grouped by course. */
export function credentialListQueries(db: Db) {
  return {
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
  };
}
