/**
 * The page's network: request interception (CDP Fetch, every URL) answers only (a) the empty page
 * document with the CSP header, (b) the bundled fonts, and (c) the current job's asset host, mapped
 * back to the service's image URL and answered in Node. Everything else — other hosts, loopback in
 * any spelling, link-local, file:, ws:, the real asset origin itself — is failed and reported, as
 * are the CSP refusals Chromium logs.
 */
import type { Protocol } from 'puppeteer-core';
import { FONT_PREFIX } from '../template/font-faces.js';
import { loadFont } from './fonts.js';
import { PAGE_URL, type JobHosts } from './job-hosts.js';
import type { RenderSlot } from './page-state.js';
import type { RenderAssets } from './render-assets.js';

type Header = { name: string; value: string };
const EMPTY_PAGE = Buffer.from('<!DOCTYPE html><html><head></head><body></body></html>');

/** Answers every paused request of the page (Fetch must be enabled with pattern `*`). */
export function interceptRequests(slot: RenderSlot, hosts: JobHosts, assets: RenderAssets): void {
  slot.cdp.on('Fetch.requestPaused', (ev) => void onRequestPaused(slot, hosts, assets, ev));
}

/** Reports the page's CSP refusals (they never reach the interceptor). */
export function reportCspRefusals(slot: RenderSlot, hosts: JobHosts, assets: RenderAssets): void {
  const state = slot.state;
  slot.cdp.on('Log.entryAdded', (ev) => {
    const text = ev.entry.text ?? '';
    if (ev.entry.source !== 'security' || !/Content Security Policy|Refused to/i.test(text)) return;
    const url = /'((?:[a-z][a-z0-9+.-]*:|\/\/)[^']*)'/i.exec(text)?.[1] ?? ev.entry.url ?? text;
    assets.report({ url: hosts.fromJobUrl(url, state.job?.nonce) ?? url, via: 'csp', label: state.job?.label });
  });
}

async function onRequestPaused(
  slot: RenderSlot,
  hosts: JobHosts,
  assets: RenderAssets,
  ev: Protocol.Fetch.RequestPausedEvent,
): Promise<void> {
  const { cdp } = slot;
  const st = slot.state;
  const url = ev.request.url;
  const label = st.job?.label;
  const fulfill = (body: Buffer | Uint8Array, contentType: string, status = 200, extra: Header[] = []) =>
    cdp
      .send('Fetch.fulfillRequest', {
        requestId: ev.requestId,
        responseCode: status,
        responseHeaders: [
          { name: 'Content-Type', value: contentType },
          { name: 'X-Content-Type-Options', value: 'nosniff' },
          { name: 'Access-Control-Allow-Origin', value: '*' },
          ...(extra.some((h) => h.name === 'Cache-Control') ? [] : [{ name: 'Cache-Control', value: 'no-store' }]),
          ...extra,
        ],
        body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
      })
      .catch(() => undefined);
  const notFound = () => fulfill(Buffer.alloc(0), 'text/plain', 404);
  const fail = () =>
    cdp.send('Fetch.failRequest', { requestId: ev.requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
  try {
    const method = ev.request.method;
    if (url === PAGE_URL && ev.resourceType === 'Document' && st.expectPage) {
      st.expectPage = false;
      return void (await fulfill(EMPTY_PAGE, 'text/html; charset=utf-8', 200, [
        { name: 'Content-Security-Policy', value: hosts.pageCsp },
        { name: 'Referrer-Policy', value: 'no-referrer' },
      ]));
    }
    if (method === 'GET' && url.startsWith(FONT_PREFIX)) {
      const font = loadFont(url);
      assets.counters.fontRequests++;
      // the bundled fonts are the same for every job: let the page keep them decoded
      if (font)
        return void (await fulfill(font.body, font.contentType, 200, [
          { name: 'Cache-Control', value: 'public, max-age=31536000, immutable' },
        ]));
      return void (await notFound());
    }
    const serviceUrl = hosts.fromJobUrl(url, st.job?.nonce);
    if (method === 'GET' && serviceUrl && hosts.isAsset(serviceUrl)) {
      const loaded = st.job?.assets;
      if (loaded?.has(serviceUrl)) {
        // loaded before the document was written (too big to inline, or missing: reported then)
        const asset = loaded.get(serviceUrl);
        return void (await (asset ? fulfill(asset.body, asset.contentType) : notFound()));
      }
      const asset = await assets.load(serviceUrl, {
        resourceType: ev.resourceType,
        headers: { ...ev.request.headers },
        label,
      });
      if (asset) return void (await fulfill(asset.body, asset.contentType));
      assets.report({ url: serviceUrl, via: 'asset-missing', resourceType: ev.resourceType, label });
      return void (await notFound());
    }
    assets.report({ url: serviceUrl ?? url, via: 'intercepted', resourceType: ev.resourceType, label });
    if (ev.resourceType === 'Document') {
      // a navigation (meta refresh, …): abort it silently — a *blocked* navigation would replace
      // the certificate with an error page
      await cdp.send('Fetch.failRequest', { requestId: ev.requestId, errorReason: 'Aborted' }).catch(() => undefined);
      return;
    }
    await fail();
  } catch {
    await fail();
  }
}
