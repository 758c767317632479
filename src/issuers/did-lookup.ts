import type { Db } from '../db/database.js';
import type { PublicUrls } from '../public-urls.js';
import { didWebFor } from './did-document.js';

/** The issuer of this service a DID names (its did:web here, or the did:key of its key); else undefined. */
export async function issuerIdOfDid(db: Db, urls: PublicUrls, did: string): Promise<string | undefined> {
  if (did.startsWith('did:web:')) {
    const id = did.split(':').at(-1) ?? '';
    return id && didWebFor(urls.base, id) === did ? id : undefined;
  }
  if (did.startsWith('did:key:')) {
    const row = await db
      .selectFrom('issuer_did_keys')
      .select('issuer_id')
      .where('public_multibase', '=', did.slice('did:key:'.length).split('#')[0])
      .executeTakeFirst();
    return row?.issuer_id;
  }
  return undefined;
}
