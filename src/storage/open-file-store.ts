import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileStore } from './file-store.js';
import { filesystemStore } from './filesystem-store.js';
import { s3Store } from './s3-store.js';

export interface FileStoreSettings {
  /** FILE_STORE as given: `s3://bucket/prefix` or `file:///path`; unset: DATA_DIR/files. */
  url?: string;
  dataDir: string;
  s3: { endpoint?: string; region?: string; forcePathStyle: boolean };
}

/** The store FILE_STORE names (the all-in-one default: a folder in DATA_DIR). */
export function openFileStore(s: FileStoreSettings): FileStore {
  const url = s.url ?? '';
  if (url.startsWith('s3://')) return s3Store({ url, ...s.s3 });
  if (url.startsWith('file://')) return filesystemStore(fileURLToPath(url));
  return filesystemStore(path.join(s.dataDir, 'files'));
}

/** /readyz: a put, get and delete of a probe key, so a store that refuses writes is not "ready". */
export async function probeFileStore(store: FileStore): Promise<void> {
  const key = `_probe/${randomBytes(8).toString('hex')}`;
  const body = randomBytes(16);
  await store.put(key, body);
  try {
    const got = await store.get(key);
    if (!got || !got.body.equals(body))
      throw new Error(`file store ${store.location}: a probe write did not read back`);
  } finally {
    await store.delete(key);
  }
}
