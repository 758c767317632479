import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../../src/db/database.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { assertionRepository } from '../../../src/db/assertion-repository.js';
import { statusListRepository, type StatusEntry } from '../../../src/db/status-list-repository.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../../support/databases.js';

/**
 * Status entries belong to the job that reserved them until an assertion holds them: no other job
 * gets them, a retry of the job gets them back, and the job's end returns what it did not use.
 */
const SIZE = 131_072;
const CAPACITY = (SIZE * 3) / 4;

describe.each(DB_KINDS)('status entry reservations (%s)', (kind) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    handle = await openDatabase(database.options);
    await migrateToLatest(handle.db);
    await handle.db.insertInto('orgs').values({ org: 'acme', name: 'Acme' }).execute();
    await handle.db.insertInto('issuers').values({ id: 'iss', org: 'acme', name: 'Issuer' }).execute();
    await handle.db
      .insertInto('credentials')
      .values({ id: 'cred', org: 'acme', issuer_id: 'iss', name: 'C', description: '' })
      .execute();
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  const reserve = (holder: string, count: number) =>
    statusListRepository(handle.db).reserveStatusEntries({
      org: 'acme',
      issuerId: 'iss',
      issuerRef: 'https://badges.example.org/issuers/iss',
      holder,
      count,
      size: SIZE,
      capacity: CAPACITY,
    });
  const allocated = async () => {
    const row = await handle.db
      .selectFrom('status_lists')
      .select(sql<number>`coalesce(sum(allocated), 0)::int`.as('n'))
      .where('issuer_id', '=', 'iss')
      .executeTakeFirstOrThrow();
    return row.n;
  };
  const reservations = async () => {
    const count = sql<number>`count(*)::int`.as('n');
    const row = await handle.db.selectFrom('status_reservations').select(count).executeTakeFirstOrThrow();
    return row.n;
  };
  const key = (e: StatusEntry) => `${e.listId}:${e.index}`;
  const hold = (entries: StatusEntry[], users: string[]) =>
    assertionRepository(handle.db).insertAssertions(
      entries.map((e, i) => ({
        id: `a-${users[i]}`,
        org: 'acme',
        credential_id: 'cred',
        issuer_id: 'iss',
        recipient_user_id: users[i],
        salt: 's',
        issued_on: new Date(),
        created_by: 'test',
        status_list_id: e.listId,
        status_list_index: e.index,
        signing_key_id: 'k',
        credential_json: '{}',
        credential_jwt: 'jwt',
      })),
    );

  it('a holder keeps its entries across retries, others get different ones, the end returns the unused', async () => {
    const first = await reserve('job-1.c0', 10);
    expect(first).toHaveLength(10);
    expect(new Set(first.map(key)).size).toBe(10);
    expect(first.every((e) => Number.isInteger(e.index) && e.index >= 0 && e.index < SIZE)).toBe(true);
    expect(await allocated()).toBe(10);

    // The job's retry: the same entries, nothing more taken from the list.
    const retry = await reserve('job-1.c0', 10);
    expect(retry.map(key).sort()).toEqual(first.map(key).sort());
    expect(await allocated()).toBe(10);

    // Another job: entries of its own.
    const other = await reserve('job-2.c0', 10);
    expect(other.filter((e) => first.some((f) => key(f) === key(e)))).toEqual([]);
    expect(await allocated()).toBe(20);

    // The first job stored 4 assertions and failed; its next attempt needs 6 more: the 6 unused ones.
    expect((await hold(first.slice(0, 4), ['u1', 'u2', 'u3', 'u4'])).size).toBe(4);
    const again = await reserve('job-1.c0', 6);
    expect(again.map(key).sort()).toEqual(first.slice(4).map(key).sort());
    expect(await allocated()).toBe(20);

    // More than before (a recipient became issuable meanwhile): the unused ones plus fresh ones.
    const more = await reserve('job-1.c0', 8);
    expect(more.map(key)).toEqual(expect.arrayContaining(first.slice(4).map(key)));
    expect(new Set([...more.map(key), ...other.map(key), ...first.slice(0, 4).map(key)]).size).toBe(8 + 10 + 4);
    expect(await allocated()).toBe(22);

    // Done: what no assertion holds goes back; the held entries stay taken.
    await statusListRepository(handle.db).releaseStatusEntries('iss', 'job-1.c0');
    expect(await allocated()).toBe(14);
    await statusListRepository(handle.db).releaseStatusEntries('iss', 'job-2.c0');
    expect(await allocated()).toBe(4);
    expect(await reservations()).toBe(0);
    // A second release (a retried job that had finished) changes nothing.
    await statusListRepository(handle.db).releaseStatusEntries('iss', 'job-1.c0');
    expect(await allocated()).toBe(4);
  });

  it('the reservations of a job that gave up long ago go back to the list', async () => {
    const before = await allocated();
    await reserve('gave-up', 5);
    await handle.db
      .updateTable('status_reservations')
      .set({ reserved_at: sql`now() - interval '2 hours'` })
      .where('holder', '=', 'gave-up')
      .execute();
    const fresh = await reserve('job-3', 1);
    expect(fresh).toHaveLength(1);
    const left = await handle.db
      .selectFrom('status_reservations')
      .select('holder')
      .where('holder', '=', 'gave-up')
      .execute();
    expect(left).toEqual([]);
    expect(await allocated()).toBe(before + 1);
    await statusListRepository(handle.db).releaseStatusEntries('iss', 'job-3');
    expect(await allocated()).toBe(before);
  });
});
