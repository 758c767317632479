import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesystemStore } from '../../../src/storage/filesystem-store.js';
import { s3Store } from '../../../src/storage/s3-store.js';
import { runBadgeworks } from '../../support/child-service.js';
import { startTestS3, type TestS3 } from '../../support/s3-server.js';

describe('badgeworks files copy', () => {
  let s3: TestS3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bw-copy-'));
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a folder store into an S3 store; a second run skips what is there', async () => {
    const local = filesystemStore(dir);
    const files = new Map([
      ['images/acme/a.png', randomBytes(1000)],
      ['renders/acme/x1/v1/certificate.pdf', randomBytes(300_000)],
      ['renders/acme/x1/v1/badge.png', randomBytes(5000)],
    ]);
    for (const [key, body] of files) await local.put(key, body);
    const env = { DATA_DIR: dir, ...s3.env('copied') };
    const args = ['files', 'copy', '--from', pathToFileURL(dir).href, '--to', env.FILE_STORE];

    const first = runBadgeworks(args, env);
    expect(await first.exited, first.output()).toBe(0);
    expect(first.output()).toMatch(/copied 3 files \(306000 bytes\), skipped 0/);
    const remote = s3Store({
      url: env.FILE_STORE,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    for (const [key, body] of files) expect((await remote.get(key))?.body.equals(body), key).toBe(true);

    const again = runBadgeworks(args, env);
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toMatch(/copied 0 files \(0 bytes\), skipped 3/);
  }, 60_000);
});
