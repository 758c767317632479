import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import { TEMPLATES_DIR } from '../templates-dir.js';

/**
 * The template studio at /studio: one HTML page, one script and one stylesheet of ours
 * (templates/studio/), no CDN and no framework. It talks to the API with the admin token the
 * author types once (kept in sessionStorage), so the page itself needs no auth.
 *
 * The CSP replaces helmet's for these three answers only: scripts and styles from this origin
 * (no inline ones, so markup injected through a template name cannot run), previews as blob:
 * images, requests to this origin only.
 */
export const STUDIO_PATH = '/studio';
export const STUDIO_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, { file: string; type: string }> = {
  '': { file: 'studio.html', type: 'html' },
  'studio.js': { file: 'studio.js', type: 'text/javascript' },
  'studio.css': { file: 'studio.css', type: 'text/css' },
};

export function studioPageRouter(): Router {
  const bodies = new Map(
    Object.entries(ASSETS).map(([name, a]) => [name, readFileSync(`${TEMPLATES_DIR}studio/${a.file}`)]),
  );
  const router = express.Router();
  const serve = (name: string): express.RequestHandler => {
    const { type } = ASSETS[name];
    const body = bodies.get(name)!;
    return (_req, res) => {
      res.setHeader('Content-Security-Policy', STUDIO_CSP);
      // Revalidated each time: an upgrade's page and script never mix with a cached older one.
      res.setHeader('Cache-Control', 'no-cache');
      res.type(type).send(body);
    };
  };
  for (const name of Object.keys(ASSETS)) router.get(name ? `${STUDIO_PATH}/${name}` : STUDIO_PATH, serve(name));
  return router;
}
