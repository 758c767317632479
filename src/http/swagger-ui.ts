import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';

/**
 * The interactive API reference: Swagger UI from the installed `swagger-ui-dist` package (no CDN),
 * reading /api/openapi.json. Its start-up script is a file of ours, not inline, so the page runs
 * under a CSP that allows scripts from this origin only. The server-rendered reference at
 * /api/docs/reference needs no script at all.
 */
const distDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// Swagger UI sets inline styles on its elements, hence 'unsafe-inline' for styles (not scripts).
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>badgeworks API</title><link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><noscript><p>This page needs JavaScript; <a href="/api/docs/reference">the plain reference</a> does not.</p></noscript>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script><script src="/api/docs/start.js"></script></body></html>`;

const START = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export function swaggerUiRouter(): Router {
  const router = express.Router();
  router.get('/api/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(PAGE);
  });
  router.get('/api/docs/start.js', (_req, res) => {
    res.type('text/javascript').setHeader('Cache-Control', 'no-cache').send(START);
  });
  const assets = new Map(
    ['swagger-ui.css', 'swagger-ui-bundle.js'].map((f) => [f, readFileSync(path.join(distDir, f))]),
  );
  router.get('/api/docs/assets/:file', (req, res, next) => {
    const body = assets.get(req.params.file);
    if (!body) return next();
    res.type(path.extname(req.params.file)).setHeader('Cache-Control', 'public, max-age=86400').send(body);
  });
  return router;
}
