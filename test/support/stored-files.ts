import type { FileStore } from '../../src/storage/file-store.js';

/** Waits until the render worker stored `key` (the worker runs beside the test, on its own time). */
export async function waitForStored(files: FileStore, key: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await files.exists(key))) {
    if (Date.now() > deadline) throw new Error(`${key} was not rendered in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
