import type { Db } from '../db/database.js';
import { LruCache } from '../lru-cache.js';
import type { PublicUrls } from '../public-urls.js';
import { didWebFor } from './did-document.js';

/**
 * A public key belongs to one issuer for good (its row is written once and never changes), so the
 * issuer found for a did:key is kept; a key not found is not (the issuer may make it later).
 */
const issuerByKey = new LruCache<string, string>(5000);

/** The issuer of this service a DID names (its did:web here, or the did:key of its key); else undefined. */
export async function issuerIdOfDid(db: Db, urls: PublicUrls, did: string): Promise<string | undefined> {
  if (did.startsWith('did:web:')) {
    const id = did.split(':').at(-1) ?? '';
    return id && didWebFor(urls.base, id) === did ? id : undefined;
  }
  if (did.startsWith('did:key:')) {
    const multibase = did.slice('did:key:'.length).split('#')[0];
    const known = issuerByKey.get(multibase);
    if (known) return known;
    // Indexed (migration 017): verification looks issuers up by key.
    const row = await db
      .selectFrom('issuer_did_keys')
      .select('issuer_id')
      .where('public_multibase', '=', multibase)
      .executeTakeFirst();
    if (row) issuerByKey.set(multibase, row.issuer_id);
    return row?.issuer_id;
  }
  return undefined;
}
