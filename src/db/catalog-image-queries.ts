import type { Db } from './database.js';
import type { ImageRow } from './catalog-repository.js';
import { likePattern } from './like-pattern.js';

/** Uploaded images of the catalog. */
export function imageQueries(db: Db) {
  return {
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
