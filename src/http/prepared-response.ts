import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A public answer serialized once — its bytes, its validator and its headers — and written as is
 * to every request that finds it cached: no JSON.stringify, no string-to-UTF-8 copy and no ETag
 * hash per request (a shared badge link is the hot path; these were a fifth of its CPU).
 */
export interface PreparedResponse {
  readonly body: Buffer;
  /** Weak, in Express's format (`W/"<length hex>-<sha1 base64>"`): validators clients got from Express stay valid. */
  readonly etag: string;
  readonly headers: Readonly<OutgoingHttpHeaders>;
}

export function prepareResponse(body: string, headers: Record<string, string>): PreparedResponse {
  const bytes = Buffer.from(body, 'utf8');
  const etag = `W/"${bytes.length.toString(16)}-${createHash('sha1').update(bytes).digest('base64').slice(0, 27)}"`;
  return { body: bytes, etag, headers: { ...headers, 'Content-Length': bytes.length, ETag: etag } };
}

/** If-None-Match per RFC 9110 §13.1.2: weak comparison (strong or weak `etag`), any of a list, or `*`. */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

/** Writes a prepared answer (304 to a GET with a matching validator; no body to HEAD). Headers set before stay. */
export function sendPrepared(req: IncomingMessage, res: ServerResponse, prepared: PreparedResponse): void {
  const conditional = req.method === 'GET' || req.method === 'HEAD';
  if (conditional && ifNoneMatchHits(req.headers['if-none-match'], prepared.etag)) {
    const { 'Content-Length': _length, 'Content-Type': _type, ...rest } = prepared.headers;
    res.writeHead(304, rest);
    res.end();
    return;
  }
  res.writeHead(200, prepared.headers);
  res.end(req.method === 'HEAD' ? undefined : prepared.body);
}
