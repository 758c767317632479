import type { FileStore } from './file-store.js';

export interface CopyReport {
  copied: number;
  skipped: number;
  bytes: number;
}

/**
 * Copies every file of one store into another (moving an installation to shared storage). Keys
 * the destination already has are skipped, so an interrupted copy is finished by running it again.
 */
export async function copyFiles(
  from: FileStore,
  to: FileStore,
  opts: { concurrency?: number; onProgress?: (r: CopyReport) => void } = {},
): Promise<CopyReport> {
  const report: CopyReport = { copied: 0, skipped: 0, bytes: 0 };
  const inFlight = new Set<Promise<void>>();
  const copyOne = async (key: string) => {
    if (await to.exists(key)) {
      report.skipped++;
      return;
    }
    const file = await from.open(key);
    if (!file) return; // removed since it was listed
    await to.put(key, file.stream, file.size);
    report.copied++;
    report.bytes += file.size;
    if (report.copied % 500 === 0) opts.onProgress?.(report);
  };
  for await (const key of from.list()) {
    if (key.startsWith('_probe/')) continue;
    const p = copyOne(key).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= (opts.concurrency ?? 8)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return report;
}
