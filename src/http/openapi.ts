import { z, type ZodType } from 'zod';
import type { RouteDef } from './route.js';

/** OpenAPI 3.1 from the same route declarations and zod schemas that validate requests. */
function jsonSchema(schema: ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

function parameters(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: prop,
  }));
}

export function buildOpenApi(defs: RouteDef[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of defs) {
    const pathParams = [...d.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = parameters(d.params, 'path');
    const implicit = pathParams
      .filter((p) => !declared.some((x) => x.name === p))
      .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      summary: d.summary,
      tags: [d.tag],
      operationId: `${d.method}_${d.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
      parameters: [...declared, ...implicit, ...parameters(d.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(d.responses ?? { 200: 'OK' }).map(([code, description]) => [code, { description }]),
      ),
    };
    if (d.auth !== 'public') op.security = [{ bearer: [] }];
    if (d.body) {
      op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(d.body) } } };
    } else if (d.rawBody) {
      op.requestBody = { required: true, content: Object.fromEntries(d.rawBody.contentTypes.map((t) => [t, {}])) };
    }
    (paths[d.path] ??= {})[d.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'badgeworks API', version: info.version, description: 'Open Badges issuing, rendering and verification.' },
    servers: [{ url: info.serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

/** A docs page that needs no script or CDN: every operation with its parameters. */
export function renderDocsPage(doc: ReturnType<typeof buildOpenApi>): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const o = op as { summary: string; tags: string[]; parameters: { name: string; in: string }[]; security?: unknown };
        const params = o.parameters.map((p) => `${esc(p.name)} <small>(${p.in})</small>`).join(', ');
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${esc(path)}</code></td><td>${esc(o.summary)}</td><td>${params}</td><td>${o.security ? 'bearer' : 'public'}</td></tr>`;
      }),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>badgeworks API</title><style>body{font:15px system-ui,sans-serif;margin:2rem;color:#1a1a1a}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{font-size:13px}</style></head>
<body><h1>badgeworks API</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Parameters</th><th>Auth</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
