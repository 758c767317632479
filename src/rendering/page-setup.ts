/**
 * A pool page's life as the renderer sees it: set up once (JavaScript off, HTTP cache off, print
 * media, interception on, an empty document carrying the CSP header), reset after every job.
 */
import { PAGE_URL, type JobHosts } from './job-hosts.js';
import type { RenderSlot } from './page-state.js';
import type { RenderAssets } from './render-assets.js';
import { interceptRequests, reportCspRefusals } from './request-interceptor.js';

/** Sets up a new pool page. */
export async function setUpPage(slot: RenderSlot, hosts: JobHosts, assets: RenderAssets): Promise<void> {
  const { cdp } = slot;
  interceptRequests(slot, hosts, assets);
  reportCspRefusals(slot, hosts, assets);
  await Promise.all([
    cdp.send('Emulation.setScriptExecutionDisabled', { value: true }), // = page.setJavaScriptEnabled(false)
    cdp.send('Page.enable'),
    cdp.send('Log.enable'),
    cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] }),
    cdp.send('Emulation.setEmulatedMedia', { media: 'print' }),
    cdp.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 }),
  ]);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true }); // = page.setCacheEnabled(false)
  await cdp.send('Network.setBypassServiceWorker', { bypass: true });
  await freshDocument(slot);
}

/** Loads a fresh, empty document (with the CSP header) into the page. */
async function freshDocument(slot: RenderSlot): Promise<void> {
  const st = slot.state;
  st.expectPage = true;
  const loaded = waitForLoad(slot, 5000);
  const nav = await slot.cdp.send('Page.navigate', { url: PAGE_URL });
  if (nav.errorText) throw new Error(`could not load the render page: ${nav.errorText}`);
  await loaded;
  st.docJobs = 0;
}

/**
 * After a job: forget it (its asset host dies with its nonce), clear cookies, and every
 * `documentReuse` jobs a fresh document.
 */
export async function resetPage(slot: RenderSlot, documentReuse: number): Promise<void> {
  const st = slot.state;
  st.job = null;
  st.docJobs++;
  await slot.cdp.send('Network.clearBrowserCookies');
  if (st.docJobs >= documentReuse) await freshDocument(slot);
}

/** Resolves on the page's next `load` event, or rejects after `ms`. */
export function waitForLoad(slot: RenderSlot, ms: number): Promise<void> {
  const event = 'Page.loadEventFired';
  const p = new Promise<void>((resolve, reject) => {
    const handler = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      slot.cdp.off(event, handler);
      reject(new Error(`${event} did not arrive within ${ms} ms`));
    }, ms);
    slot.cdp.once(event, handler);
  });
  p.catch(() => undefined); // callers may bail out before awaiting it
  return p;
}
