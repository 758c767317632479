import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { assertValidKey, type FileStore, type StoredFile } from './file-store.js';

/** Files under one directory; writes go to a temp file and are renamed, so readers never see half a file. */
export function filesystemStore(root: string): FileStore {
  const resolve = (key: string) => {
    assertValidKey(key);
    return path.join(root, key);
  };
  return {
    async put(key, body) {
      const file = resolve(key);
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, file);
    },
    async get(key): Promise<StoredFile | undefined> {
      const file = resolve(key);
      try {
        const [body, st] = await Promise.all([readFile(file), stat(file)]);
        return { body, size: st.size, modifiedAt: st.mtime };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async exists(key) {
      try {
        await stat(resolve(key));
        return true;
      } catch {
        return false;
      }
    },
    async delete(key) {
      await rm(resolve(key), { force: true });
    },
  };
}
