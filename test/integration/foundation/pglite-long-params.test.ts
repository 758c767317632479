import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, type DatabaseHandle } from '../../../src/db/database.js';
import { bytesForLongText } from '../../../src/db/pglite-params.js';

/**
 * Issue 18: long text/json parameters reach PGlite as UTF-8 bytes (binary format). They must
 * store and compare exactly as the text format did: multi-byte characters, json kept byte for
 * byte, and a NUL still refused.
 */
describe('PGlite long text parameters', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({ pgliteDir: 'memory' });
    await sql`create table t (id int primary key, s text, j json, v varchar(5000))`.execute(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const long = 'Zürich 東京 🎓 "quoted" \\ back'.repeat(40);
  const json = JSON.stringify({ b: 1, a: ['é', '🎓'.repeat(100)], note: long });

  it('stores text, json and varchar of multi-byte characters exactly, and compares them as text', async () => {
    expect(long.length).toBeGreaterThan(256);
    await sql`insert into t values (1, ${long}, ${json}, ${long})`.execute(handle.db);
    const { rows } = await sql<{ s: string; j: string; v: string; len: number; same: boolean }>`
      select s, j::text as j, v, octet_length(s) as len, s = ${long} as same from t where id = 1`.execute(handle.db);
    expect(rows[0].s).toBe(long);
    expect(rows[0].v).toBe(long);
    expect(rows[0].j).toBe(json);
    expect(rows[0].len).toBe(Buffer.byteLength(long));
    expect(rows[0].same).toBe(true);
  });

  it('turns long strings for text, varchar and json into bytes, and leaves short ones to PGlite', async () => {
    const client = new PGlite();
    const serializers = bytesForLongText(client);
    for (const oid of [25, 1043, 114]) {
      expect(Buffer.isBuffer(serializers[oid](long))).toBe(true);
      expect(serializers[oid]('short')).toBe('short');
    }
    expect(serializers[3802], 'jsonb keeps the text format').toBeUndefined();
    await client.close();
  });

  it('refuses a long string with a NUL, as the text format does', async () => {
    const withNul = long + '\u0000' + long;
    await expect(sql`insert into t values (2, ${withNul}, null, null)`.execute(handle.db)).rejects.toThrow();
  });

  it('refuses a long string that is not JSON for a json column', async () => {
    await expect(sql`insert into t values (3, null, ${long}, null)`.execute(handle.db)).rejects.toThrow();
  });
});
