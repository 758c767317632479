import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/database.js';

/**
 * Assertion rows written straight into the database, for tests and benchmarks of queries that
 * read many rows (analytics). They carry no real signature: issuance itself is tested elsewhere.
 */
export async function seedCatalog(
  db: Db,
  org: string,
): Promise<{ issuerId: string; credentialId: string; listId: string }> {
  const id = () => randomBytes(8).toString('hex');
  const issuerId = id();
  const credentialId = id();
  const listId = id();
  await db.insertInto('issuers').values({ id: issuerId, org, name: 'Seed issuer' }).execute();
  await db
    .insertInto('credentials')
    .values({ id: credentialId, org, issuer_id: issuerId, name: 'Seed credential', description: '' })
    .execute();
  await db
    .insertInto('status_lists')
    .values({ id: listId, org, issuer_id: issuerId, size: 131072 * 64, capacity: 131072 * 64 })
    .execute();
  return { issuerId, credentialId, listId };
}

export interface SeedRow {
  user: string;
  issuedOn: string | Date;
  course?: string | null;
}

export async function seedAssertions(db: Db, org: string, rows: SeedRow[]): Promise<void> {
  const { issuerId, credentialId, listId } = await seedCatalog(db, org);
  const values = rows.map((r, i) => ({
    id: randomBytes(12).toString('base64url'),
    org,
    credential_id: credentialId,
    issuer_id: issuerId,
    recipient_user_id: r.user,
    salt: 's',
    issued_on: new Date(r.issuedOn),
    course: r.course ?? null,
    created_by: 'seed',
    status_list_id: listId,
    status_list_index: i,
    signing_key_id: 'seed',
    credential_json: '{}',
    credential_jwt: 'seed',
  }));
  for (let i = 0; i < values.length; i += 1000)
    await db
      .insertInto('assertions')
      .values(values.slice(i, i + 1000))
      .execute();
}
