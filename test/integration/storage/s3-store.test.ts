import { randomBytes, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Store, FileStoreError } from '../../../src/storage/s3-store.js';
import { probeFileStore } from '../../../src/storage/open-file-store.js';
import type { FileStore } from '../../../src/storage/file-store.js';
import { startTestS3, type TestS3 } from '../../support/s3-server.js';

// The real AWS SDK against a real S3-protocol server (s3rver) started here on a free port.
describe('S3 file store', () => {
  let s3: TestS3;
  let store: FileStore;
  beforeAll(async () => {
    s3 = await startTestS3();
    store = s3Store({
      url: `s3://${s3.bucket}/tenant-a`,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('puts, gets, checks and deletes an object under its prefix', async () => {
    const body = Buffer.from('%PDF-1.7 a certificate');
    await store.put('org/a1/v1/certificate.pdf', body);
    expect(await store.exists('org/a1/v1/certificate.pdf')).toBe(true);
    const got = await store.get('org/a1/v1/certificate.pdf');
    expect(got?.body.equals(body)).toBe(true);
    expect(got?.size).toBe(body.length);
    expect(got?.modifiedAt).toBeInstanceOf(Date);
    const keys: string[] = [];
    for await (const k of store.list('org/')) keys.push(k);
    expect(keys).toEqual(['org/a1/v1/certificate.pdf']);

    // Another prefix in the same bucket does not see it.
    const other = s3Store({
      url: `s3://${s3.bucket}/tenant-b`,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    expect(await other.exists('org/a1/v1/certificate.pdf')).toBe(false);

    await store.delete('org/a1/v1/certificate.pdf');
    expect(await store.exists('org/a1/v1/certificate.pdf')).toBe(false);
    expect(await store.get('org/a1/v1/certificate.pdf')).toBeUndefined();
    // Deleting what is gone is not an error (a retried cleanup).
    await store.delete('org/a1/v1/certificate.pdf');
  });

  it('a missing key reads as undefined, from get, open and exists', async () => {
    expect(await store.get('nothing/here.png')).toBeUndefined();
    expect(await store.open('nothing/here.png')).toBeUndefined();
    expect(await store.exists('nothing/here.png')).toBe(false);
  });

  it('a 20 MB object goes up from a stream and comes back as a stream, byte for byte', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    const chunks = Array.from({ length: 20 }, (_, i) => big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    await store.put('big/object.bin', Readable.from(chunks), big.length);
    const opened = await store.open('big/object.bin');
    expect(opened?.size).toBe(big.length);
    const hash = createHash('sha256');
    let read = 0;
    for await (const chunk of opened!.stream) {
      hash.update(chunk as Buffer);
      read += (chunk as Buffer).length;
    }
    expect(read).toBe(big.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    const whole = await store.get('big/object.bin');
    expect(whole?.body.equals(big)).toBe(true);
    await store.delete('big/object.bin');
  }, 120_000);

  it('a bucket that does not exist fails with an error naming it', async () => {
    const lost = s3Store({
      url: 's3://no-such-bucket/x',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const err = await lost.put('a/b.txt', Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileStoreError);
    expect((err as Error).message).toMatch(/bucket "no-such-bucket" does not exist/);
    await expect(lost.get('a/b.txt')).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
    await expect(probeFileStore(lost)).rejects.toThrow(/does not exist/);
  });

  it('refused credentials fail with an error saying so', async () => {
    // s3rver checks the key id (it does not verify V4 signatures, so a wrong secret passes there).
    for (const credentials of [{ accessKeyId: 'NOT-A-KEY', secretAccessKey: 'S3RVER' }]) {
      const refused = s3Store({ url: `s3://${s3.bucket}/x`, endpoint: s3.endpoint, forcePathStyle: true, credentials });
      const err = await refused.put('a/b.txt', Buffer.from('x')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileStoreError);
      expect((err as Error).message).toMatch(/credentials were refused/);
      await expect(refused.get('a/b.txt')).rejects.toThrow(/credentials were refused/);
    }
  });

  it('an endpoint nobody listens on fails with an error naming S3_ENDPOINT', async () => {
    const nowhere = s3Store({
      url: `s3://${s3.bucket}/x`,
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    await expect(nowhere.put('a/b.txt', Buffer.from('x'))).rejects.toThrow(/S3_ENDPOINT/);
  });

  it('the readiness probe writes, reads back and removes its key', async () => {
    await probeFileStore(store);
    const keys: string[] = [];
    for await (const k of store.list('_probe/')) keys.push(k);
    expect(keys).toEqual([]);
  });

  it('a presigned URL serves the object without credentials', async () => {
    await store.put('org/a2/badge.png', Buffer.from('png-bytes'));
    const url = await store.presignedUrl!('org/a2/badge.png', { contentType: 'image/png', filename: 'badge.png' });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('png-bytes');
  });
});
