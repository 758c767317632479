import { describe, expect, it } from 'vitest';
import { BULK_CHUNK_SIZE, chunksOf, entryKeys, mergeResults, planBulk } from '../../../src/issuance/bulk-plan.js';

describe('planBulk', () => {
  it('keeps usernames and recipient objects, collapses duplicates by user id or normalised email', () => {
    const { entries, rejected } = planBulk([
      'ann',
      ' ann ',
      { user_id: 'ann', email: 'ann@example.org' },
      { email: 'Bob@Example.org', name: 'Bob', grade: 'A', score: 9, passed: true, note: null },
      { email: 'bob@example.org ' },
      { username: 'cy' },
    ]);
    expect(rejected).toEqual([]);
    expect(entries).toEqual([
      { label: 'ann', userId: 'ann', kind: 'username' },
      {
        label: 'Bob@Example.org',
        kind: 'object',
        email: 'Bob@Example.org',
        name: 'Bob',
        fields: { grade: 'A', score: 9, passed: true, note: null },
      },
      { label: 'cy', kind: 'object', userId: 'cy' },
    ]);
  });

  it('fails bad entries alone, each once, with a reason', () => {
    const { entries, rejected } = planBulk([
      'ok',
      'has space',
      { name: 'nobody' },
      { email: 'not-an-email' },
      { email: 'not-an-email' },
      { user_id: 'x/y' },
      { user_id: 'z', nested: { a: 1 } },
    ]);
    expect(entries.map((e) => e.label)).toEqual(['ok']);
    expect(rejected).toEqual([
      { user: 'has space', reason: 'Not a valid username.' },
      { user: 'users[2]', reason: 'A recipient needs a user_id or an email.' },
      { user: 'not-an-email', reason: 'Not a valid email: "not-an-email".' },
      { user: 'x/y', reason: 'Not a valid user_id.' },
      { user: 'z', reason: 'Custom field "nested" must be a string, number, boolean or null.' },
    ]);
  });

  it("names entries by their id and their email; an email-only entry's id is its email", () => {
    expect(entryKeys({ userId: 'u1', email: 'A@b.org' })).toEqual(['id:u1', 'email:a@b.org']);
    expect(entryKeys({ userId: 'u1' })).toEqual(['id:u1']);
    expect(entryKeys({ email: ' A@B.org ' })).toEqual(['id:a@b.org', 'email:a@b.org']);
  });

  it("an entry naming an earlier entry's email, or the user id an email-only entry joins under, is a duplicate", () => {
    const { entries } = planBulk([
      { user_id: 'newbie', email: 'newbie@example.com' },
      { email: 'Newbie@example.com' },
      { email: 'fresh@example.com' },
      { user_id: 'fresh@example.com' },
    ]);
    expect(entries.map((e) => e.label)).toEqual(['newbie', 'fresh@example.com']);
  });
});

describe('chunksOf and mergeResults', () => {
  it('cuts in chunks of the chunk size and merges in order', () => {
    const items = Array.from({ length: BULK_CHUNK_SIZE * 2 + 1 }, (_, i) => i);
    const chunks = chunksOf(items);
    expect(chunks.map((c) => c.length)).toEqual([BULK_CHUNK_SIZE, BULK_CHUNK_SIZE, 1]);
    expect(chunks.flat()).toEqual(items);
    expect(
      mergeResults([
        { issued: ['a'], skipped: [], failed: [] },
        { issued: ['b'], skipped: ['c'], failed: [{ user: 'd', reason: 'r' }] },
      ]),
    ).toEqual({ issued: ['a', 'b'], skipped: ['c'], failed: [{ user: 'd', reason: 'r' }] });
  });
});
