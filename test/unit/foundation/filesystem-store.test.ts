import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesystemStore } from '../../../src/storage/filesystem-store.js';

describe('filesystem file store', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bw-store-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const store = filesystemStore(root);

  it('round-trips, overwrites, deletes', async () => {
    await store.put('org/a/file.png', Buffer.from('one'));
    await store.put('org/a/file.png', Buffer.from('two'));
    expect((await store.get('org/a/file.png'))!.body.toString()).toBe('two');
    expect(await store.exists('org/a/file.png')).toBe(true);
    await store.delete('org/a/file.png');
    expect(await store.get('org/a/file.png')).toBeUndefined();
  });

  it('refuses keys that escape the root', async () => {
    for (const key of ['../x', '/etc/passwd', 'a/../../x', '.hidden', 'a//b', '']) {
      await expect(store.put(key, Buffer.from('x')), key).rejects.toThrow(/Invalid file key/);
    }
  });
});
