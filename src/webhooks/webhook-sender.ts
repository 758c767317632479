import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { bareHost, BlockedAddressError, type AddressPolicy } from './address-policy.js';

/**
 * One POST of a webhook: time-bounded, never following a redirect, and connecting only to
 * addresses the policy permits (an IP literal is checked here; a hostname by the policy's
 * `lookup`, when the socket connects).
 */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  /** The start of the answer (at most RESPONSE_KEEP characters). */
  response: string | null;
  error: string | null;
}

const RESPONSE_KEEP = 1024;

export async function sendWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { policy: AddressPolicy; timeoutMs: number; allowHttp: boolean },
): Promise<SendResult> {
  const started = Date.now();
  const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({ ...r, durationMs: Date.now() - started });
  const target = new URL(url);
  if (!(target.protocol === 'https:' || (opts.allowHttp && target.protocol === 'http:'))) {
    return done({ ok: false, statusCode: null, response: null, error: `protocol ${target.protocol} not allowed` });
  }
  const host = bareHost(target.hostname);
  if (net.isIP(host) && !opts.policy.permits(host)) {
    const error = new BlockedAddressError(`${host} is a private, loopback or reserved address`).message;
    return done({ ok: false, statusCode: null, response: null, error });
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(r));
    };
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'badgeworks-webhooks',
        },
        lookup: opts.policy.lookup,
        // A fresh connection each time: the address check runs at every connect, never skipped by a pooled socket.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < RESPONSE_KEEP) chunks.push(c);
          size += c.length;
          if (size > 64 * 1024) res.destroy();
        });
        const end = () => {
          const code = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_KEEP);
          const redirect = code >= 300 && code < 400;
          finish({
            ok: code >= 200 && code < 300,
            statusCode: code,
            response: text,
            error: redirect
              ? `redirect to ${res.headers.location ?? '?'} not followed`
              : code < 300
                ? null
                : `HTTP ${code}`,
          });
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ ok: false, statusCode: null, response: null, error: err.message }));
    req.end(body);
  });
}
