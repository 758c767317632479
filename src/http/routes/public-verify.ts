import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { PayloadTooLargeError, ValidationError } from '../../errors.js';
import { MAX_VERIFY_FILE_BYTES, type VerifyInput } from '../../verification/verification-service.js';
import { MAX_JWT_CHARS } from '../../verification/input-limits.js';
import { claimToken } from './wallet-exchanges.js';
import type { PublicAnswers } from '../public-answers.js';
import { prepareResponse, sendPrepared, type PreparedResponse } from '../prepared-response.js';

/**
 * The public verification surface: the HTML page of an assertion (also content-negotiated on the
 * assertion URL, see public-assertions.ts) and the verify endpoint for machines and files.
 */
const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_VERIFY_FILE_BYTES, files: 1, fields: 5, fieldSize: 64 * 1024, parts: 6 },
}).single('file');

/** Multer's own limit errors map to 413/400 in the error handler; a broken multipart body is a 400. */
const parseUpload: RequestHandler = (req, res, next) => {
  if (!req.is('multipart/form-data')) return next();
  upload(req, res, (err: unknown) => {
    if (!err || (err as Error).name === 'MulterError') return next(err);
    next(new ValidationError(`Malformed multipart body: ${(err as Error).message ?? err}`));
  });
};

/** Before the schema check, so an oversized JWT is a 413 that says so rather than a generic 400. */
const jwtLengthGuard: RequestHandler = (req, _res, next) => {
  const jwt = (req.body as { jwt?: unknown } | undefined)?.jwt;
  if (typeof jwt === 'string' && jwt.length > MAX_JWT_CHARS) {
    throw new PayloadTooLargeError(
      `The JWT is longer than ${MAX_JWT_CHARS} characters; no credential of this service is that large.`,
    );
  }
  next();
};

const FORMS = 'one of {"jwt"}, {"credential"}, {"assertion_id"} (JSON) or a multipart file in field "file"';

const verifyBody = z.object({
  jwt: z.string().min(1).max(MAX_JWT_CHARS).optional(),
  credential: z.record(z.string(), z.unknown()).optional(),
  assertion_id: z.string().min(1).max(100).optional(),
  /** An email address or an identity hash (`sha256$…`) the recipient must match. */
  recipient: z.string().trim().min(1).max(320).optional(),
});

export function publicVerifyRoutes(rt: Runtime, answers: PublicAnswers): RouteDef[] {
  const { verification } = rt.services;
  // A cached outcome (src/verification/verification-service.ts) is the same object for every
  // request within its bound: serialized once, and forgotten with it.
  const serialized = new WeakMap<object, PreparedResponse>();
  const verifyHeaders = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
  const prepared = (result: object) => {
    let p = serialized.get(result);
    if (!p) serialized.set(result, (p = prepareResponse(JSON.stringify(result), verifyHeaders)));
    return p;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/credentials/public/verify',
      summary: `Verify a credential: ${FORMS}; optional "recipient" (email or identity hash). 200 with {verified, checks, credential} even when not verified`,
      tag: 'public',
      auth: 'public',
      rawBody: {
        contentTypes: ['application/json', 'multipart/form-data'],
        middleware: [express.json({ limit: '1mb', strict: true }), parseUpload, jwtLengthGuard],
      },
      body: verifyBody,
      responses: {
        200: '{verified, checks:[{check, ok, detail}], credential}',
        400: 'None (or more than one) of the input forms',
        404: 'Unknown assertion_id',
        413: 'File over 5 MiB, body over 1 MB, or a JWT over 200,000 characters',
        415: 'Not JSON or multipart; or a file that is not a PNG, SVG or PDF',
        422: 'A file that cannot be read within the limits: compressed credential chunks, entity declarations, decompression bombs, too deep, too many objects, too slow',
        503: 'Too many files being checked at once',
      },
      async handler({ body, req, res }) {
        const recipient = body.recipient !== undefined ? { recipient: body.recipient } : {};
        const forms: VerifyInput[] = [];
        if (body.jwt !== undefined) forms.push({ jwt: body.jwt, ...recipient });
        if (body.credential !== undefined) forms.push({ credential: body.credential, ...recipient });
        if (body.assertion_id !== undefined) forms.push({ assertionId: body.assertion_id, ...recipient });
        if (req.file) forms.push({ file: req.file.buffer, ...recipient });
        if (forms.length !== 1) {
          throw new ValidationError(
            forms.length ? `Give only one credential to verify: ${FORMS}.` : `Nothing to verify: send ${FORMS}.`,
          );
        }
        sendPrepared(req, res, prepared(await verification.verify(forms[0])));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v/{entity_id}',
      summary: 'The verification page of an assertion (HTML; the short link of QR codes and share buttons)',
      tag: 'public',
      auth: 'public',
      params: z.object({ entity_id: z.string().min(1).max(100) }),
      query: z.object({ claim: claimToken.optional() }),
      responses: {
        200: 'text/html; with ?claim=<a valid claim token> it adds an "Add to wallet" section (QR code, wallet links)',
        404: 'Unknown assertion',
      },
      async handler({ params, query, req, res }) {
        sendPrepared(req, res, await answers.page(params.entity_id, query.claim));
      },
    }),
  ];
}
