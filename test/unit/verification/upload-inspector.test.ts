import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { bakePng } from '../../../src/openbadges/baking.js';
import { createUploadInspector, type UploadInspector } from '../../../src/verification/upload-inspector.js';
import * as hostile from '../../fixtures/hostile/generate.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL3gifQ.c2lnbmF0dXJl';
const baked = () => bakePng(hostile.png(), { ob3Jwt: JWT });
/** Under the object limit, so the reader indexes all of them: ~300 ms and ~20 MB of heap. */
const heavyPdf = hostile.pdfManyObjects(99_000);

async function statusOf(p: Promise<unknown>): Promise<{ status: number; message: string; retryAfterS?: number }> {
  try {
    await p;
    return { status: 200, message: '' };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: err.status, message: err.message, retryAfterS: (err as { retryAfterS?: number }).retryAfterS };
  }
}

describe('the upload worker pool (worker threads loading the TypeScript inspection under vitest)', () => {
  const pools: UploadInspector[] = [];
  const pool = (o: Parameters<typeof createUploadInspector>[0] = {}) => {
    const p = createUploadInspector(o);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('reads a baked PNG in a thread and maps the inspection errors to their status', async () => {
    const p = pool();
    expect(await p.inspect(baked())).toEqual({ kind: 'png', jwt: JWT });
    expect(await statusOf(p.inspect(hostile.pngCompressedITXt()))).toMatchObject({
      status: 422,
      message: expect.stringMatching(/uncompressed/),
    });
    expect(await statusOf(p.inspect(Buffer.from('GIF89a')))).toMatchObject({ status: 415 });
    expect(p.threads()).toBeLessThanOrEqual(2);
  });

  it('a file in flight when the service stops, and any after, answer 503 (not the file at fault)', async () => {
    const p = pool({ threads: 1 });
    const inFlight = statusOf(p.inspect(heavyPdf));
    // Under way on its thread (the heavy PDF takes ~65–700 ms) when the pool closes.
    await new Promise((r) => setTimeout(r, 20));
    await p.close();
    const stopping = { status: 503, message: 'The service is stopping; try again in a few seconds.', retryAfterS: 2 };
    expect(await inFlight).toEqual(stopping);
    expect(await statusOf(p.inspect(baked()))).toEqual(stopping);
  });

  it('a thread out of heap answers 422 and is replaced', async () => {
    const p = pool({ threads: 1, heapMb: 8 });
    const r = await statusOf(p.inspect(heavyPdf));
    expect(r).toEqual({
      status: 422,
      message: 'Reading the file needed more than 8 MiB of memory; it is refused as too costly to read.',
    });
    expect(await p.inspect(baked())).toEqual({ kind: 'png', jwt: JWT });
    expect(p.threads()).toBe(1);
  });

  it('a file over the time bound answers 422 and its thread is replaced', async () => {
    // 20 ms: a warm thread reads a badge in ~1 ms and the heavy PDF in ~65 ms on a quiet machine
    // (300-700 ms loaded), so only the PDF can time out, however fast the machine. The
    // bound counts from submission, so a thread still starting (~1 s) makes small files time out
    // too: retry until one is up.
    const p = pool({ threads: 1, timeoutMs: 20 });
    // Time-based: a thread starts in ~1 s quiet and several under CI load (tsx registers in it).
    const untilRead = async () => {
      for (const deadline = Date.now() + 25_000; Date.now() < deadline;) {
        const r = await statusOf(p.inspect(baked()));
        if (r.status === 200) return;
        expect(r.status).toBe(422);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('no thread came up');
    };
    await untilRead();
    const slow = await statusOf(p.inspect(heavyPdf));
    expect(slow).toEqual({
      status: 422,
      message: 'The file could not be read within 0.02 s; it is refused as too costly to read.',
    });
    await untilRead(); // a new thread
    expect(p.threads()).toBe(1);
  });

  it('a full queue answers 503', async () => {
    const p = pool({ threads: 1, maxQueue: 1, timeoutMs: 30_000 });
    await p.inspect(baked()); // warm: one thread busy, one file waiting, the rest turned away
    const results = await Promise.all(Array.from({ length: 6 }, () => statusOf(p.inspect(heavyPdf))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(results.find((r) => r.status === 503)!.message).toMatch(/Too many files/);
    expect(results.find((r) => r.status === 503)!.retryAfterS).toBe(2); // the HTTP layer's Retry-After
  });
});
