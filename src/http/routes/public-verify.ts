import express, { type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { PayloadTooLargeError, ValidationError } from '../../errors.js';
import { MAX_VERIFY_FILE_BYTES, type VerifyInput } from '../../verification/verification-service.js';
import { MAX_JWT_CHARS } from '../../verification/input-limits.js';
import { microCache } from '../../cache/micro-cache.js';
import { claimToken } from './wallet-exchanges.js';
import { walletSection } from '../../verification/wallet-section.js';
import {
  renderVerificationPage,
  verificationPageCsp,
  verificationPageModel,
} from '../../verification/verification-page.js';

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

/** Renders the page of one assertion (revoked ones too: their page says Revoked, and why). */
export function verificationPageSender(rt: Runtime) {
  const { verification, exchanges } = rt.services;
  // The page behind every shared badge link: built once per assertion for the revocation bound,
  // dropped at once (in every replica) when the assertion is revoked or superseded. A page opened
  // with a claim link (the recipient's own, with the wallet section) is never cached.
  const pages = microCache<{ html: string; expiresAt?: number }>({
    ttlMs: rt.config.publicCacheMs,
    maxEntries: 10_000,
    expiresAt: (page) => page.expiresAt,
  });
  rt.invalidation.onAssertionsChanged((ids) => ids.forEach((id) => pages.invalidate(id)));
  const build = async (assertionId: string, claim?: string) => {
    const { assertion, result } = await verification.verifyAssertion(assertionId);
    const signatories = await verification.signatoriesOf(assertion);
    const model = verificationPageModel({ assertion, result, signatories, urls: rt.urls, now: new Date() });
    const wallet = claim === undefined || !model.live ? undefined : await walletSection(exchanges, assertionId, claim);
    const html = renderVerificationPage({ ...model, wallet });
    return { html, expiresAt: assertion.expires_at ? new Date(assertion.expires_at).getTime() : undefined };
  };
  /** `claim`: the token of a claim link; a valid one adds the "Add to wallet" section (issue 15). */
  return async function sendVerificationPage(assertionId: string, res: Response, claim?: string): Promise<void> {
    const { html } =
      claim === undefined ? await pages.get(assertionId, () => build(assertionId)) : await build(assertionId, claim);
    // Replaces helmet's default policy for this response: inline styles, our images, no scripts.
    res.setHeader('Content-Security-Policy', verificationPageCsp(rt.urls.base));
    // A page opened with a claim link is the recipient's alone: no cache may keep it.
    res.setHeader('Cache-Control', claim === undefined ? 'public, max-age=60' : 'private, no-store');
    res.status(200).type('html').send(html);
  };
}

export function publicVerifyRoutes(rt: Runtime): RouteDef[] {
  const { verification } = rt.services;
  const sendPage = verificationPageSender(rt);
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
        res.setHeader('Cache-Control', 'no-store');
        res.status(200).json(await verification.verify(forms[0]));
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
      async handler({ params, query, res }) {
        await sendPage(params.entity_id, res, query.claim);
      },
    }),
  ];
}
