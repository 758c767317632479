import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DB_KINDS } from '../../support/databases.js';
import { validateAchievementCredential } from '../../../src/openbadges/schema-validation.js';
import {
  expectClaimsMatch,
  pollJob,
  startIssuanceService,
  verifyJwtIndependently,
  type IssuanceFixture,
} from './issuance-fixture.js';

describe.each(DB_KINDS)('bulk issuance (%s)', (db) => {
  let f: IssuanceFixture;
  let issuerId: string;
  const known = Array.from({ length: 1400 }, (_, i) => `k${String(i).padStart(4, '0')}`);

  beforeAll(async () => {
    // Two chunks at a time, so progress is visible between them.
    f = await startIssuanceService(db, { ISSUE_WAIT_MS: '1500', WORKER_CONCURRENCY: '2' });
    const users = known.map((user_id) => ({
      user_id,
      role: 'student',
      email: `${user_id}@example.org`,
      name: `User ${user_id}`,
    }));
    expect((await f.svc.api('POST', '/api/admin/orgs/acme/users', { body: { users } })).status).toBe(200);
    issuerId = await f.issuer();
  });
  afterAll(() => f?.svc.stop());

  /** Posts a bulk and returns its result, polling the job when the answer was 202. */
  async function bulk(credentialId: string, body: unknown, headers: Record<string, string> = {}) {
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body, headers });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    // The seed's bare answer: the lists at the top level, no envelope (202: the job beside empty lists).
    expect(r.body, JSON.stringify(r.body)).toMatchObject({
      issued: expect.any(Array),
      skipped: expect.any(Array),
      failed: expect.any(Array),
    });
    expect(r.body).not.toHaveProperty('status');
    if (r.status !== 202) return { status: r.status, result: r.body, body: r.body };
    const seen = await pollJob(f.as('alice'), r.body.job_id, (s) => s.state === 'completed' || s.state === 'failed');
    expect(seen.at(-1).state, JSON.stringify(seen.at(-1))).toBe('completed');
    expect(seen.at(-1).result, JSON.stringify(seen)).toBeTruthy();
    return { status: 202, result: seen.at(-1).result, jobId: r.body.job_id, seen, body: r.body };
  }

  async function rowsPerUser(credentialId: string): Promise<Map<string, number>> {
    const rows = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select(['recipient_user_id', sql<number>`count(*)::int`.as('n')])
      .where('credential_id', '=', credentialId)
      .groupBy('recipient_user_id')
      .execute();
    return new Map(rows.map((r) => [r.recipient_user_id, r.n]));
  }

  const sorted = (xs: string[]) => [...xs].sort();

  it('2,000 entries with duplicates, unknown usernames and recipient objects: issued, skipped and failed; progress on the job', async () => {
    const credentialId = await f.credential(issuerId, { name: 'Bulk' });
    expect(
      (await f.as('alice')('POST', `/${credentialId}/assertions/`, { body: { recipient: { user_id: 'sam' } } })).status,
    ).toBe(201);
    const ghosts = Array.from({ length: 100 }, (_, i) => `ghost${i}`);
    const objects = Array.from({ length: 300 }, (_, i) => ({
      user_id: `o${i}`,
      email: `o${i}@example.org`,
      name: `Object ${i}`,
      grade: 'B',
    }));
    const users = [
      ...known,
      ...known.slice(0, 200), // duplicates collapse
      ...ghosts,
      ...objects,
      { name: 'No Id Nor Email' },
      { email: 'not-an-email' },
      'sam',
    ];
    expect(users).toHaveLength(2003);

    const queue = f.svc.service.runtime.queues.issuance;
    await queue.pause(); // guarantees the 202 path; progress is then watched from the start
    let r;
    try {
      r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
        body: { users, narrative: 'Bulk award', fields: { cohort: '2026' } },
      });
    } finally {
      await queue.resume();
    }
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      job_id: expect.any(String),
      status_url: expect.any(String),
      issued: [],
      skipped: [],
      failed: [],
    });
    const seen = await pollJob(f.as('alice'), r.body.job_id, (s) => s.state === 'completed');
    const done = seen.at(-1);
    // {done, total} from the first poll on, not BullMQ's bare 0.
    expect(seen.every((s) => typeof s.progress === 'object' && s.progress.total === 1400 + 100 + 300 + 1)).toBe(true);
    // Progress counts the entries that reached a chunk: all but the duplicates and the malformed two.
    const entries = 1400 + 100 + 300 + 1;
    // Issue 17: and the renders of what it issued (no render worker here: all still pending).
    expect(done.progress).toEqual({
      done: entries,
      total: entries,
      issued: 1400 + 300,
      rendered: 0,
      failed_renders: 0,
      skipped_renders: 0,
      renders_finished: false,
    });
    const partial = seen.filter(
      (s) => s.state !== 'completed' && typeof s.progress === 'object' && s.progress.done > 0,
    );
    expect(partial.length, 'progress observed between chunks').toBeGreaterThan(0);
    for (const s of partial) expect(s.progress).toMatchObject({ done: expect.any(Number), total: entries });
    expect(partial.some((s) => s.progress.done < entries)).toBe(true);
    const total = 1400 + 300 + 1; // issued, plus sam's earlier one

    const result = done.result;
    expect(sorted(result.issued)).toEqual(sorted([...known, ...objects.map((o) => o.user_id)]));
    expect(result.skipped).toEqual(['sam']);
    expect(result.failed).toHaveLength(102);
    expect(result.failed).toEqual(
      expect.arrayContaining([
        { user: 'ghost7', reason: 'Unknown user "ghost7".' },
        { user: 'users[2000]', reason: 'A recipient needs a user_id or an email.' },
        { user: 'not-an-email', reason: expect.stringMatching(/valid email/) },
      ]),
    );

    const perUser = await rowsPerUser(credentialId);
    expect(perUser.size).toBe(total);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
    // Recipient objects joined the directory; their custom fields went onto their award.
    const o5 = await f.svc.api('GET', '/api/admin/orgs/acme/users?q=o5%40example');
    expect(o5.body.result.data[0]).toMatchObject({ user_id: 'o5', role: 'student', name: 'Object 5' });
    const list = await f.as('alice')('GET', `/${credentialId}/assertions/?page_size=100`);
    expect(list.body.count).toBe(total);
    // The list is newest first and chunks finish in any order, so o5's award is fetched by its id.
    const o5Row = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select('id')
      .where('credential_id', '=', credentialId)
      .where('recipient_user_id', '=', 'o5')
      .executeTakeFirstOrThrow();
    const o = (await f.as('alice')('GET', `/assertions/${o5Row.id}`)).body.result;
    expect(o.user_id).toBe('o5');
    expect(o.fields).toEqual({ cohort: '2026', grade: 'B' });
    expect(o.narrative).toBe('Bulk award');

    // A sample of the bulk's credentials: both schema copies, an independent signature check.
    for (const a of list.body.data.slice(0, 5)) {
      const json = (await f.get(a.credential_json)).json;
      expect(validateAchievementCredential(json).errors).toEqual([]);
      const { payload } = await verifyJwtIndependently((await f.get(a.credential_jwt)).text);
      expectClaimsMatch(payload, json);
    }
    // Every credential has its own status index…
    const indexes = await f.svc.service.runtime.db
      .selectFrom('assertions')
      .select(sql<number>`count(distinct (status_list_id, status_list_index))::int`.as('n'))
      .where('credential_id', '=', credentialId)
      .executeTakeFirstOrThrow();
    expect(indexes.n).toBe(total);
    // …in one list of the issuer: chunks starting together do not each open a list of their own.
    const lists = await f.svc.service.runtime.db
      .selectFrom('status_lists')
      .select('id')
      .where('issuer_id', '=', issuerId)
      .execute();
    expect(lists).toHaveLength(1);

    // The same bulk again: nothing new, everyone already holds it.
    const again = await bulk(credentialId, { users });
    expect(again.result.issued).toEqual([]);
    expect(sorted(again.result.skipped)).toEqual(sorted([...known, ...objects.map((o) => o.user_id), 'sam']));
    expect(again.result.failed).toHaveLength(102);
    if (again.status !== 202) expect(again.status).toBe(200);
    expect((await rowsPerUser(credentialId)).size).toBe(total);
  });

  it('two overlapping bulks at once issue to each user exactly once', async () => {
    const credentialId = await f.credential(issuerId, { name: 'Concurrent' });
    const [a, b] = await Promise.all([
      bulk(credentialId, { users: known.slice(0, 1000) }),
      bulk(credentialId, { users: known.slice(400) }),
    ]);
    const issued = [...a.result.issued, ...b.result.issued];
    expect(sorted(issued)).toEqual(sorted(known));
    expect(new Set(issued).size).toBe(known.length);
    // Whatever one bulk issued in the overlap, the other skipped.
    const overlap = known.slice(400, 1000);
    for (const u of overlap) expect(a.result.issued.includes(u) !== b.result.issued.includes(u)).toBe(true);
    expect(a.result.skipped.length + b.result.skipped.length).toBe(overlap.length);
    const perUser = await rowsPerUser(credentialId);
    expect(perUser.size).toBe(known.length);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
  });

  it('a small bulk finishing within the wait answers 201 with the seed’s result; an Idempotency-Key replays it', async () => {
    const credentialId = await f.credential(issuerId, { name: 'Small' });
    const body = { users: ['sam', 'sue', 'sam', 'ghost'] };
    const headers = { 'idempotency-key': 'bulk-key-1' };
    const r = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body, headers });
    expect(r.status).toBe(201);
    // Bare, as the seed shows it: {"skipped": [...], "issued": [...]} (and failed), no envelope.
    expect(r.body).toEqual({
      issued: ['sam', 'sue'],
      skipped: [],
      failed: [{ user: 'ghost', reason: 'Unknown user "ghost".' }],
    });
    const replay = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body, headers });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(r.body);
    const reused = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
      body: { users: ['sue'] },
      headers,
    });
    expect(reused.status).toBe(409);
  });

  it('bad bulk input: over the limit, empty, malformed, unknown credential, not an admin', async () => {
    const credentialId = await f.credential(issuerId, { name: 'Limits' });
    const tooMany = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
      body: { users: Array.from({ length: 60_000 }, (_, i) => `u${i}`) },
    });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.status.description).toMatch(/50000/);
    const empty = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: { users: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.status.description).toMatch(/empty/);
    expect((await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: {} })).status).toBe(400);
    expect((await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: { users: 'sam' } })).status).toBe(
      400,
    );
    expect((await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, { body: { users: [42] } })).status).toBe(
      400,
    );
    expect((await f.as('alice')('POST', '/nope/assertions/bulk/', { body: { users: ['sam'] } })).status).toBe(404);
    expect((await f.as('sam')('POST', `/${credentialId}/assertions/bulk/`, { body: { users: ['sam'] } })).status).toBe(
      403,
    );
    // Nothing of the refused requests was issued.
    expect((await rowsPerUser(credentialId)).size).toBe(0);
    // Only invalid entries: answered at once, nothing queued.
    const invalid = await f.as('alice')('POST', `/${credentialId}/assertions/bulk/`, {
      body: { users: [{ name: 'x' }] },
    });
    expect(invalid.status).toBe(200);
    expect(invalid.body).toEqual({
      issued: [],
      skipped: [],
      failed: [{ user: 'users[0]', reason: 'A recipient needs a user_id or an email.' }],
    });
  });
});
