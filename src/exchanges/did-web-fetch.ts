import https from 'node:https';
import net from 'node:net';
import { didWebUrl } from '../issuers/did-document.js';
import type { DidWebResolver } from '../signing/document-loader.js';
import { bareHost, type AddressPolicy } from '../webhooks/address-policy.js';

/**
 * Resolves a holder's did:web over HTTPS (did:web §3.2), bounded like every outbound request of
 * this service: the SSRF address policy checked at connect time (the webhooks' `lookup`), a fresh
 * connection, no redirects, a time limit and a size limit. Anything else is "does not resolve".
 */
const MAX_DID_DOCUMENT_BYTES = 64 * 1024;

/** did:web with a DNS host, an optional encoded port and path segments; nothing that could re-aim the URL. */
const DID_WEB =
  /^did:web:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(?:%3A\d{1,5})?(?::[A-Za-z0-9._~-]+)*$/;

export const isDidWeb = (did: string) => did.length <= 512 && DID_WEB.test(did);

export function didWebFetcher(opts: {
  policy: AddressPolicy;
  timeoutMs: number;
  /** DIDs this service answers itself (its issuers), read from the database, not the network. */
  local?: DidWebResolver;
}): DidWebResolver {
  return async (did) => {
    if (!isDidWeb(did)) return undefined;
    const own = await opts.local?.(did);
    if (own) return own;
    let url: URL;
    try {
      url = new URL(didWebUrl(did));
    } catch {
      return undefined; // e.g. a port over 65535: not a URL, so not resolvable
    }
    if (net.isIP(bareHost(url.hostname)) && !opts.policy.permits(bareHost(url.hostname))) return undefined;
    const text = await fetchBounded(url, opts.policy, opts.timeoutMs).catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const doc = JSON.parse(text) as unknown;
      return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
}

function fetchBounded(url: URL, policy: AddressPolicy, timeoutMs: number): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve, reject) => {
    // The whole request, not just an idle socket: a server trickling bytes is cut off too.
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    const req = https.request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/did+json, application/json', 'user-agent': 'badgeworks-did-web' },
        lookup: policy.lookup,
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.destroy();
          return settle(() => resolve(undefined));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_DID_DOCUMENT_BYTES) {
            res.destroy();
            return settle(() => resolve(undefined));
          }
          chunks.push(c);
        });
        res.on('end', () => settle(() => resolve(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', (err) => settle(() => reject(err)));
      },
    );
    req.on('error', (err) => settle(() => reject(err)));
    req.end();
  });
}
