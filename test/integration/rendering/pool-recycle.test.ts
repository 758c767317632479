/** Page recycling, browser replacement after M renders, and a fresh document per job (documentReuse: 1). */
import { liveGroup } from '../../support/child-service.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createRenderer, type Renderer } from '../../../src/rendering/renderer.js';
import { IMAGES_PREFIX, makeLoadAsset } from './fixtures.js';

const doc = `<img src="/api/credentials/public/images/org-1/logo.png" style="width:100px"><p>recycle</p>`;
let renderer: Renderer;

afterAll(async () => {
  await renderer?.close();
});

describe('pool lifecycle', () => {
  it('recycles pages every N jobs and replaces the browser after M renders without losing a job or leaking processes', async () => {
    renderer = createRenderer({
      assetPrefix: IMAGES_PREFIX,
      loadAsset: makeLoadAsset(),
      pages: 2,
      recyclePageAfter: 3,
      restartBrowserAfter: 10,
      documentReuse: 1,
    });
    const pids = new Set<number>();
    pids.add((await renderer.browserPid())!);
    for (let round = 0; round < 6; round++) {
      const outs = await Promise.all([0, 1, 2, 3].map(() => renderer.renderPdf(doc, '')));
      for (const o of outs) expect(o.subarray(0, 5).toString()).toBe('%PDF-');
      pids.add((await renderer.browserPid())!);
    }
    const st = renderer.stats();
    expect(st.pdfs).toBe(24);
    expect(st.failures).toEqual({});
    expect(st.pagesRecycled).toBeGreaterThanOrEqual(4);
    expect(st.browserRestarts.recycle).toBeGreaterThanOrEqual(2);
    expect(pids.size).toBeGreaterThanOrEqual(3);
    expect(st.assetRequests).toBe(24); // one image per job, never from a cache
    // Retired browsers close once their last page drains; on a loaded CI machine that can outlast
    // any fixed wait, so the leak check is made after close(), which must leave no process at all.
    await renderer.close();
    for (let i = 0; i < 100 && [...pids].some((p) => liveGroup(p).length > 0); i++)
      await new Promise((r) => setTimeout(r, 100));
    for (const p of pids) expect(liveGroup(p)).toEqual([]);
  });
});
