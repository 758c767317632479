import { z } from 'zod';
import { defineRoute, type RouteDef } from '../route.js';
import type { Runtime } from '../../runtime.js';
import { readFileSync } from 'node:fs';
import { TEMPLATES_DIR } from '../../templates-dir.js';
import { ifNoneMatchHits } from '../prepared-response.js';

/**
 * Stored images, public and immutable (each upload gets a new random key). The URL path after
 * `/api/credentials/public/images/` is the file-store key (`images/{org}/{file}`); only keys
 * registered in the images table are served, never other stored files.
 */
export function publicImageRoutes(rt: Runtime): RouteDef[] {
  const { images } = rt.services;
  const defaultBadge = readFileSync(`${TEMPLATES_DIR}badge.svg`);
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials/public/default-badge.svg',
      summary: 'The badge image of credentials that have none (OB 2.0 BadgeClasses require an image)',
      tag: 'public',
      auth: 'public',
      async handler({ res }) {
        res.setHeader('Cache-Control', 'public, max-age=86400');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
        res.type('image/svg+xml').send(defaultBadge);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credentials/public/images/images/{org}/{file}',
      summary: 'An uploaded image (public, cacheable forever)',
      tag: 'public',
      auth: 'public',
      params: z.object({ org: z.string().max(63), file: z.string().max(100) }),
      responses: { 200: 'The image', 304: 'Not modified', 404: 'Unknown image' },
      async handler({ params, req, res }) {
        const { row, body } = await images.getPublic(`images/${params.org}/${params.file}`);
        const etag = `"${row.sha256}"`;
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('ETag', etag);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        // Certificates and badges are shown by other sites: let them embed the image.
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        if (row.content_type === 'image/svg+xml') {
          res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
        }
        if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
          res.status(304).end();
          return;
        }
        res.type(row.content_type).send(body);
      },
    }),
  ];
}
