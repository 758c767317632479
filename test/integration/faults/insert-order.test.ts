import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { recipientRepository } from '../../../src/db/recipient-repository.js';
import { assertionRepository, type NewAssertion } from '../../../src/db/assertion-repository.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';
import { seedCatalog } from '../../support/seed-assertions.js';
import { openProbe, type PgProbe } from './pg-faults.js';

/**
 * The writes that concurrent bulk chunks make to the same keys (new recipients joining the
 * directory, assertions of one credential) take their row locks in one order whatever order
 * the chunks list them in, so PostgreSQL never finds a lock cycle between them.
 */
const WRITERS = 8;
const USERS = Array.from({ length: 3000 }, (_, i) => `r${String(i).padStart(4, '0')}`);

function shuffled<T>(xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32LE() % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe.runIf(DB_KINDS.includes('postgres'))('insert order of concurrent writers (postgres)', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let probe: PgProbe;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    handle = await openDatabase({ ...database.options, poolSize: WRITERS + 2 });
    await migrateToLatest(handle.db);
    await handle.db.insertInto('orgs').values({ org: 'acme', name: 'Acme' }).execute();
    probe = await openProbe(database.options.url!);
  });
  afterAll(async () => {
    await probe?.close();
    await handle?.close();
    await database?.drop();
  });

  /** Deadlocks once every backend has reported its statistics (they do at exit). */
  async function deadlocksNow(): Promise<number> {
    await handle.close();
    handle = await openDatabase({ ...database.options, poolSize: WRITERS + 2 });
    return probe.deadlocks();
  }

  it(`${WRITERS} writers adding the same ${USERS.length} new recipients, each in its own order: no deadlock`, async () => {
    const before = await deadlocksNow();
    const outcomes = await Promise.allSettled(
      Array.from({ length: WRITERS }, () =>
        recipientRepository(handle.db).insertRecipientUsers(
          'acme',
          shuffled(USERS).map((user_id) => ({ user_id, email: `${user_id}@example.org` })),
        ),
      ),
    );
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason?.message ?? o.reason)] : []));
    expect(failures).toEqual([]);
    expect((await deadlocksNow()) - before).toBe(0);
    const { n } = await handle.db
      .selectFrom('users')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('org', '=', 'acme')
      .executeTakeFirstOrThrow();
    expect(n).toBe(USERS.length);
  });

  it(`${WRITERS} writers storing assertions of one credential for overlapping recipients, in their own orders: no deadlock`, async () => {
    const { issuerId, credentialId, listId } = await seedCatalog(handle.db, 'acme');
    const before = await deadlocksNow();
    // Disjoint status indexes per writer, as reservations hand them out; the recipients overlap.
    const rowsOf = (writer: number): NewAssertion[] =>
      shuffled(USERS).map((user, i) => ({
        id: randomBytes(12).toString('base64url'),
        org: 'acme',
        credential_id: credentialId,
        issuer_id: issuerId,
        recipient_user_id: user,
        salt: 's',
        issued_on: new Date(),
        created_by: 'test',
        status_list_id: listId,
        status_list_index: writer * USERS.length + i,
        signing_key_id: 'k',
        credential_json: '{}',
        credential_jwt: 'jwt',
      }));
    const writers = Array.from({ length: WRITERS }, (_, w) =>
      assertionRepository(handle.db).insertAssertions(rowsOf(w)),
    );
    const outcomes = await Promise.allSettled(writers);
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason?.message ?? o.reason)] : []));
    expect(failures).toEqual([]);
    const stored = outcomes.reduce((n, o) => n + (o.status === 'fulfilled' ? o.value.size : 0), 0);
    expect(stored, 'each recipient stored once').toBe(USERS.length);
    expect((await deadlocksNow()) - before).toBe(0);
  });
});
