import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { assertValidKey, type FileStore, type StoredFile, type StoredStream } from './file-store.js';

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Files under one directory; writes go to a temp file and are renamed, so readers never see half a file. */
export function filesystemStore(root: string): FileStore {
  const resolve = (key: string) => {
    assertValidKey(key);
    return path.join(root, key);
  };
  return {
    location: pathToFileURL(root).href,
    async put(key, body) {
      const file = resolve(key);
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        if (Buffer.isBuffer(body)) await writeFile(tmp, body);
        else await pipeline(body, createWriteStream(tmp));
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async get(key): Promise<StoredFile | undefined> {
      const file = resolve(key);
      try {
        const [body, st] = await Promise.all([readFile(file), stat(file)]);
        return { body, size: st.size, modifiedAt: st.mtime };
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async open(key): Promise<StoredStream | undefined> {
      const file = resolve(key);
      try {
        const st = await stat(file);
        return { stream: createReadStream(file), size: st.size, modifiedAt: st.mtime };
      } catch (err) {
        if (missing(err)) return undefined;
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
    async *list(prefix = '') {
      async function* walk(dir: string, rel: string): AsyncGenerator<string> {
        let handle;
        try {
          handle = await opendir(dir);
        } catch (err) {
          if (missing(err)) return;
          throw err;
        }
        for await (const entry of handle) {
          const key = rel ? `${rel}/${entry.name}` : entry.name;
          if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), key);
          // Temp files of writes in flight are not files yet.
          else if (entry.isFile() && !entry.name.endsWith('.tmp') && key.startsWith(prefix)) yield key;
        }
      }
      yield* walk(root, '');
    },
  };
}
