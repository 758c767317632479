import type { RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { assertCatalogWriter } from '../../catalog/catalog-access.js';
import { MAX_IMAGE_BYTES } from '../../catalog/image-service.js';
import { ValidationError } from '../../errors.js';

/**
 * `/api/credentials/orgs/{org}/users/{user_id}/images/`: search (a JSON array) and multipart
 * upload (`image`, `name`) answering `{id, name, image}` — both without the envelope, as the seed
 * shows.
 */
const path = '/api/credentials/orgs/{org}/users/{user_id}/images';
const tenantParams = z.object({ org: z.string(), user_id: z.string() });

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 5, fieldSize: 4096, parts: 6 },
}).single('image');

/** Multer's own limit errors map to 413/400 in the error handler; a broken multipart body is a 400. */
const parseUpload: RequestHandler = (req, res, next) => {
  upload(req, res, (err: unknown) => {
    if (!err || (err as Error).name === 'MulterError') return next(err);
    next(new ValidationError(`Malformed multipart body: ${(err as Error).message ?? err}`));
  });
};

/** Refuse before buffering up to 5 MiB of someone who may not upload anyway. */
const writersOnly: RequestHandler = (req, _res, next) => {
  assertCatalogWriter(req.principal!, String(req.params.org));
  next();
};

export function catalogImageRoutes(rt: Runtime): RouteDef[] {
  const { images } = rt.services;
  return [
    defineRoute({
      method: 'get',
      path,
      summary: 'Search uploaded images by name (query required); answers a JSON array of {id, name, image}',
      tag: 'images',
      auth: 'tenant',
      params: tenantParams,
      query: z.object({ query: z.string({ error: 'query is required' }).trim().min(1, 'query is required').max(200) }),
      responses: { 200: '[{id, name, image}]', 400: 'query missing' },
      async handler({ params, query, principal, res }) {
        res.json(await images.search(principal, params.org, query.query));
      },
    }),
    defineRoute({
      method: 'post',
      path,
      summary:
        `Upload an image (multipart: image, name): PNG, JPEG, SVG (sanitized), WebP or GIF, at most ${MAX_IMAGE_BYTES / 1024 / 1024} MiB ` +
        'and within the pixel budget (IMAGE_MAX_EDGE a side, IMAGE_MAX_PIXELS in all; default 8192 and 4096×4096)',
      tag: 'images',
      auth: 'tenant',
      params: tenantParams,
      rawBody: { contentTypes: ['multipart/form-data'], middleware: [writersOnly, parseUpload] },
      body: z.object({ name: z.string().max(255).optional() }),
      responses: {
        201: '{id, name, image}',
        400: 'No image or malformed',
        403: 'Not a platform admin of the org',
        413: 'Over 5 MiB',
        415: 'Not an accepted image type',
        422: 'Over the pixel budget, dimensions unreadable, or an SVG nested over 400 deep or over 100,000 elements',
      },
      async handler({ params, body, principal, req, res }) {
        const file = req.file;
        if (!file)
          throw new ValidationError('An image file is required (multipart field "image").', {
            fieldErrors: { image: ['required'] },
          });
        const image = await images.upload(
          principal,
          params.org,
          { bytes: file.buffer, originalName: file.originalname },
          body.name,
        );
        res.status(201).json(image);
      },
    }),
  ];
}
