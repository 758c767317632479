import express, { type RequestHandler } from 'express';
import { ValidationError } from '../errors.js';
import { parseCsvRecipients } from '../issuance/csv-recipients.js';

/**
 * Bulk issuing from a spreadsheet: a `text/csv` body, or a multipart form whose `file` part is the
 * CSV (its other fields are the award's, as in a JSON bulk). Either becomes the route's usual
 * `{users: [...], …}` body. A multipart form without a `file` part is left as it came, for the
 * route's ordinary form parser. A `text/csv` body takes the award fields from the query string.
 */
export const CSV_TYPES = ['text/csv', 'application/csv'];
const AWARD_QUERY = ['course', 'narrative', 'expires'];

export function csvBulkBody(limit: string): RequestHandler[] {
  return [
    express.raw({ type: [...CSV_TYPES, 'multipart/form-data'], limit }),
    async (req, _res, next) => {
      if (!Buffer.isBuffer(req.body)) return next();
      if (req.is(CSV_TYPES)) {
        const query = req.query as Record<string, unknown>;
        const award = Object.fromEntries(
          AWARD_QUERY.filter((k) => typeof query[k] === 'string').map((k) => [k, query[k]]),
        );
        req.body = { ...award, users: parseCsvRecipients(req.body) };
        return next();
      }
      const contentType = String(req.headers['content-type']);
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': contentType } }).formData();
      } catch {
        throw new ValidationError('Malformed multipart/form-data body.');
      }
      const file = form.get('file');
      if (!file || typeof file === 'string') return next();
      const body: Record<string, string | string[]> = {};
      for (const [key, value] of form.entries()) {
        if (key === 'file') continue;
        if (typeof value !== 'string') throw new ValidationError(`Only "file" may be a file (field "${key}").`);
        const prev = body[key];
        body[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
      }
      req.body = { ...body, users: parseCsvRecipients(new Uint8Array(await file.arrayBuffer())) };
      next();
    },
  ];
}
