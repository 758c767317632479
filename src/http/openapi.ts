import { createHash } from 'node:crypto';
import { z, type ZodType } from 'zod';
import type { ResponseDoc, RouteDef } from './route.js';
import { errorEnvelopeSchema } from './envelope.js';
import { BODY_TYPES } from './form-body.js';
import { fallbackRequestBody, fallbackResponse } from './openapi-fallbacks.js';

/**
 * OpenAPI 3.1 from the same route declarations and zod schemas that validate requests (input
 * side) and describe answers (output side: the response schemas declared beside the object
 * builders), so the document cannot drift from the code.
 */
type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
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

const isSuccess = (code: number) => code >= 200 && code < 300;
const NO_BODY = new Set([204, 304]);

/** One documented response; a 4xx/5xx without its own schema answers the error envelope. */
function response(code: number, doc: string | ResponseDoc) {
  const d: ResponseDoc = typeof doc === 'string' ? { description: doc } : doc;
  if (NO_BODY.has(code)) return { description: d.description };
  const schema = d.schema ?? (isSuccess(code) ? undefined : errorEnvelopeSchema);
  if (!schema) return { description: d.description };
  const type = d.schema ? (d.contentType ?? 'application/json') : 'application/json';
  return { description: d.description, content: { [type]: { schema: jsonSchema(schema, 'output') } } };
}

export function buildOpenApi(defs: RouteDef[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of defs) {
    const pathParams = [...d.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = parameters(d.params, 'path');
    const implicit = pathParams
      .filter((p) => !declared.some((x) => x.name === p))
      .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const docs: Record<number, string | ResponseDoc> = { ...(d.responses ?? { 200: 'OK' }) };
    // Routes whose modules declare no body schema yet get the registry's (openapi-fallbacks.ts).
    for (const [code, doc] of Object.entries(docs)) {
      const fallback = fallbackResponse(d.method, d.path, Number(code));
      if (fallback && (typeof doc === 'string' || !doc.schema)) {
        docs[Number(code)] = { ...fallback, description: typeof doc === 'string' ? doc : doc.description };
      }
    }
    const op: Record<string, unknown> = {
      summary: d.summary,
      tags: [d.tag],
      operationId: `${d.method}_${d.path
        .replace(/[{}]/g, '')
        .replace(/[^A-Za-z0-9]+/g, '_')
        .replace(/^_|_$/g, '')}`,
      parameters: [...declared, ...implicit, ...parameters(d.query, 'query')],
      responses: Object.fromEntries(Object.entries(docs).map(([code, doc]) => [code, response(Number(code), doc)])),
    };
    if (d.auth !== 'public') op.security = [{ bearer: [] }];
    if (d.rawBody) {
      // Routes that parse their own bodies (multipart uploads): the registry's schema per media type,
      // else the route's body schema (what its fields validate to).
      const fallback = fallbackRequestBody(d.method, d.path);
      const schemaOf = (t: string) => fallback?.[t] ?? d.body;
      const content = d.rawBody.contentTypes.map((t) => {
        const schema = schemaOf(t);
        return [t, schema ? { schema: jsonSchema(schema) } : {}];
      });
      op.requestBody = { required: true, content: Object.fromEntries(content) };
    } else if (d.body) {
      // The same fields are accepted as a form too (src/http/form-body.ts), as a DRF API does.
      const schema = jsonSchema(d.body);
      op.requestBody = { required: true, content: Object.fromEntries(BODY_TYPES.map((t) => [t, { schema }])) };
    }
    (paths[d.path] ??= {})[d.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'badgeworks API',
      version: info.version,
      description: 'Open Badges issuing, rendering and verification.',
    },
    servers: [{ url: info.serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;

// ---------------------------------------------------------------------------------------------
// The reference page: server-rendered from the OpenAPI document, no script, no CDN.
// ---------------------------------------------------------------------------------------------

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const MAX_DEPTH = 8;

/** A schema as a short type label: `string | null`, `array of object`, `"Ok" | "Created"`. */
function typeLabel(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alts) return alts.map(typeLabel).join(' | ');
  if (s.type === 'array') return `array of ${typeLabel((s.items as JsonSchema) ?? {})}`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (typeof s.type === 'string') return s.format ? `${s.type} (${s.format})` : s.type;
  return 'any';
}

/** The object schemas inside a schema (its own properties, array items, alternatives). */
function objectPartsOf(s: JsonSchema): JsonSchema[] {
  if (s.properties) return [s];
  if (s.type === 'array' && s.items) return objectPartsOf(s.items as JsonSchema);
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  return alts ? alts.flatMap(objectPartsOf) : [];
}

/** Nested field list: name, type, required, description, and the fields of nested objects. */
function fieldList(s: JsonSchema, depth = 0): string {
  const parts = objectPartsOf(s);
  if (parts.length === 0 || depth > MAX_DEPTH) return `<code>${esc(typeLabel(s))}</code>`;
  return parts
    .map((part) => {
      const required = new Set((part.required as string[]) ?? []);
      const props = Object.entries((part.properties as Record<string, JsonSchema>) ?? {});
      if (props.length === 0) return `<code>${esc(typeLabel(part))}</code>`;
      const items = props.map(([name, prop]) => {
        const nested = objectPartsOf(prop).length ? fieldList(prop, depth + 1) : '';
        const desc = prop.description ? ` — ${esc(prop.description)}` : '';
        const req = required.has(name) ? ' <b>required</b>' : '';
        const type = `<span class="t">${esc(typeLabel(prop))}</span>`;
        return `<li><code>${esc(name)}</code> ${type}${req}${desc}${nested}</li>`;
      });
      return `<ul>${items.join('')}</ul>`;
    })
    .join('<p class="or">or</p>');
}

function contentBlock(content: Record<string, { schema?: JsonSchema }> | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(([type, c]) => `<div class="ct"><code>${esc(type)}</code>${c.schema ? fieldList(c.schema) : ''}</div>`)
    .join('');
}

interface Operation {
  summary: string;
  tags: string[];
  operationId: string;
  parameters: { name: string; in: string; required: boolean; schema: JsonSchema }[];
  security?: unknown;
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: JsonSchema }> }>;
}

function operationSection(path: string, method: string, o: Operation): string {
  const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const rows = o.parameters.map((p) =>
    row([`<code>${esc(p.name)}</code>`, esc(p.in), esc(typeLabel(p.schema ?? {})), p.required ? 'yes' : 'no']),
  );
  const params = rows.length
    ? `<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th></tr>${rows.join('')}` +
      '</table>'
    : '';
  const body = o.requestBody ? `<h4>Request body</h4>${contentBlock(o.requestBody.content)}` : '';
  const responses = Object.entries(o.responses)
    .map(([code, r]) => {
      const status = `<b class="c${code[0]}">${esc(code)}</b>`;
      return `<div class="r">${status} ${esc(r.description)}${contentBlock(r.content)}</div>`;
    })
    .join('');
  const title = `<span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>`;
  const auth = o.security ? 'bearer token' : 'public';
  return `<section id="${esc(o.operationId)}"><h3>${title}</h3>
<p>${esc(o.summary)} <small>(${auth})</small></p>${params}${body}<h4>Responses</h4>${responses}</section>`;
}

const STYLE = [
  'body{font:15px system-ui,sans-serif;margin:0;color:#1a1a1a;display:flex}',
  'nav{width:22rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid #ddd;' +
    'padding:1rem;font-size:13px}',
  'nav a{display:block;color:#234;text-decoration:none;padding:1px 0}',
  'main{padding:1rem 2rem;max-width:60rem}',
  'section{border-top:1px solid #ddd;padding:.5rem 0}',
  'table{border-collapse:collapse}',
  'td,th{border-bottom:1px solid #eee;padding:.2rem .5rem;text-align:left}',
  'ul{margin:.2rem 0;padding-left:1.2rem}',
  '.t{color:#666}',
  '.m{display:inline-block;min-width:4rem;font-size:12px;color:#fff;background:#555;padding:2px 6px;border-radius:3px}',
  '.get{background:#2a7}',
  '.post{background:#27a}',
  '.put{background:#a72}',
  '.delete{background:#a33}',
  '.patch{background:#76a}',
  '.r{margin:.3rem 0}',
  '.c2{color:#2a7}',
  '.c4{color:#a33}',
  '.c5{color:#a33}',
  '.ct{margin-left:1rem}',
  '.or{margin:.2rem 0;color:#666}',
  'code{font-size:13px}',
].join('');

/** No script at all; the one inline stylesheet is allowed by its hash. */
export const DOCS_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The API reference: every path and method with its parameters, request body fields, response
 * codes and response body fields, rendered on the server from the OpenAPI document.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Operation })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags[0]))];
  const nav = tags
    .map(
      (tag) =>
        `<h4>${esc(tag)}</h4>` +
        ops
          .filter((o) => o.op.tags[0] === tag)
          .map((o) => `<a href="#${esc(o.op.operationId)}">${esc(o.method.toUpperCase())} ${esc(o.path)}</a>`)
          .join(''),
    )
    .join('');
  const body = tags
    .map((tag) => {
      const sections = ops.filter((o) => o.op.tags[0] === tag).map((o) => operationSection(o.path, o.method, o.op));
      return `<h2>${esc(tag)}</h2>${sections.join('\n')}`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(DOCS_CSP.replace(/; frame-ancestors 'none'/, ''))}">
<title>badgeworks API reference</title><style>${STYLE}</style></head>
<body><nav><b>badgeworks API</b>${nav}</nav><main><h1>badgeworks API reference</h1>
<p>${esc(doc.info.description)} Version ${esc(doc.info.version)}.
Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
Authenticated routes take <code>Authorization: Bearer &lt;token&gt;</code>.</p>
${body}</main></body></html>`;
}
