import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { filesystemStore } from '../../../src/storage/filesystem-store.js';
import { openFileStore, probeFileStore } from '../../../src/storage/open-file-store.js';
import { parseS3Url } from '../../../src/storage/s3-store.js';

describe('FILE_STORE and the S3 settings', () => {
  it('accepts s3:// and file:/// stores, refuses anything else in one line', () => {
    const c = loadConfig({ FILE_STORE: 's3://my-bucket/badges/prod', S3_FORCE_PATH_STYLE: 'true' });
    expect(c.fileStore).toBe('s3://my-bucket/badges/prod');
    expect(c.s3).toEqual({ endpoint: undefined, region: undefined, forcePathStyle: true });
    expect(loadConfig({}).fileStore).toBeUndefined();
    expect(loadConfig({ FILE_STORE: 'file:///srv/files' }).fileStore).toBe('file:///srv/files');
    for (const bad of ['http://bucket/x', 'file://relative', 's3://', '/srv/files']) {
      expect(() => loadConfig({ FILE_STORE: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ FILE_STORE: bad }), bad).toThrow(/^Invalid FILE_STORE=/);
    }
    expect(() => loadConfig({ S3_ENDPOINT: 'minio:9000' })).toThrow(/Invalid S3_ENDPOINT/);
  });

  it('S3_PRESIGNED_DOWNLOADS: off by default, on only with an s3:// store', () => {
    expect(loadConfig({ FILE_STORE: 's3://my-bucket/x' }).presignedDownloads).toBe(false);
    expect(loadConfig({ FILE_STORE: 's3://my-bucket/x', S3_PRESIGNED_DOWNLOADS: 'true' }).presignedDownloads).toBe(
      true,
    );
    for (const env of [{}, { FILE_STORE: 'file:///srv/files' }]) {
      expect(() => loadConfig({ ...env, S3_PRESIGNED_DOWNLOADS: 'true' })).toThrow(
        /^Invalid S3_PRESIGNED_DOWNLOADS="true": needs an s3:\/\/ FILE_STORE$/,
      );
    }
    expect(() => loadConfig({ S3_PRESIGNED_DOWNLOADS: 'yes' })).toThrow(/Invalid S3_PRESIGNED_DOWNLOADS/);
  });

  it('QUEUE_PREFIX may start with a Redis Cluster hash tag', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{badgeworks}' }).queuePrefix).toBe('{badgeworks}');
    expect(loadConfig({ QUEUE_PREFIX: '{bw}:prod' }).queuePrefix).toBe('{bw}:prod');
    for (const bad of ['{bw', 'bw}', 'a{bw}', '{}'])
      expect(() => loadConfig({ QUEUE_PREFIX: bad }), bad).toThrow(/Invalid QUEUE_PREFIX/);
  });

  it('parses bucket and prefix of an s3:// URL', () => {
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/a/b/')).toEqual({ bucket: 'bucket', prefix: 'a/b/' });
    expect(() => parseS3Url('s3://UPPER/x')).toThrow(/must be s3:\/\/bucket\/prefix/);
  });
});

describe('folder store: streams, listing, the probe', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bw-store2-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the default is DATA_DIR/files; file:/// names a folder', () => {
    expect(openFileStore({ dataDir: root, s3: { forcePathStyle: false } }).location).toBe(
      pathToFileURL(path.join(root, 'files')).href,
    );
    expect(
      openFileStore({ url: pathToFileURL(root).href, dataDir: '/x', s3: { forcePathStyle: false } }).location,
    ).toBe(pathToFileURL(root).href);
  });

  it('writes a stream, reads it back as one, lists keys and leaves nothing from the probe', async () => {
    const store = filesystemStore(root);
    await store.put('a/one.bin', Readable.from([Buffer.from('he'), Buffer.from('llo')]));
    await store.put('a/b/two.bin', Buffer.from('x'));
    const opened = await store.open('a/one.bin');
    expect(opened?.size).toBe(5);
    const chunks: Buffer[] = [];
    for await (const c of opened!.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(await store.open('a/missing.bin')).toBeUndefined();
    await probeFileStore(store);
    const keys: string[] = [];
    for await (const k of store.list()) keys.push(k);
    expect(keys.sort()).toEqual(['a/b/two.bin', 'a/one.bin']);
  });
});
