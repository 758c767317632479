import jsonld from 'jsonld';
import * as rdfCanonize from 'rdf-canonize';

/**
 * RDF canonicalization (RDFC-1.0) of a credential, with the JSON-LD to RDF step — nearly all of
 * a Data Integrity proof's cost (expansion under the OB 3.0 type-scoped contexts) — done once per
 * credential shape instead of once per award. The awards of one credential differ only in a few
 * strings (their ids, the recipient's hash and salt, the status entry), so the RDF dataset of a
 * later award is the first one's with those strings put back where they occur; RDFC-1.0 then
 * runs on that dataset as the cryptosuite would run it on its own.
 *
 * Why the substitution is exact:
 * - the documents have the same JSON shape: same keys, arrays, numbers, booleans, `type` values
 *   and contexts, so expansion walks them the same way and makes the same nodes;
 * - a string that differs occurs in exactly one leaf of the template, and in its dataset either
 *   only as a literal (a literal is the string itself, whatever it says) or only as an IRI node
 *   where both strings are absolute `http(s)://` or `urn:uuid:` IRIs (kept as they are);
 * - no new IRI collides with another term of the dataset (no nodes merge that did not before).
 * Anything else takes the library's path. And the first substituted result of every template is
 * compared with the library's own before the template is trusted.
 */

interface Term {
  termType: string;
  value: string;
  datatype?: Term;
  language?: string;
  direction?: string;
}
interface Quad {
  subject: Term;
  predicate: Term;
  object: Term;
  graph: Term;
}

interface Template {
  json: unknown;
  dataset: Quad[];
  /** How many string leaves of the template hold each string. */
  leafCounts: Map<string, number>;
  /** Subject/object/graph values: kind per value ('NamedNode' | 'Literal' | 'mixed'). */
  termKinds: Map<string, string>;
  /** Predicate and datatype IRIs: never substituted. */
  fixedIris: Set<string>;
  state: 'unchecked' | 'trusted' | 'refused';
}

export type CanonizeOptions = Record<string, unknown>;

const MAX_TEMPLATES = 16;
const templates = new Map<string, Template>();
const stats = { full: 0, substituted: 0, refusedTemplates: 0 };

/** Counters for tests and benchmarks. */
export const canonicalTemplateStats = () => ({ ...stats, templates: templates.size });

/**
 * IRIs JSON-LD keeps verbatim whatever the context: `scheme://…` is never a compact IRI, and
 * `urn:uuid:` (recipient ids) only through a term `urn`, which no bundled context defines — and a
 * template value found verbatim in its dataset proves it for the template's context.
 */
const VERBATIM_IRI = /^(https?:\/\/|urn:uuid:)[^\s<>"{}|\\^`]+$/;
/** Both verbatim IRIs of one scheme: expanded alike. */
const sameIriKind = (a: string, b: string) =>
  VERBATIM_IRI.test(a) && VERBATIM_IRI.test(b) && a.slice(0, a.indexOf(':')) === b.slice(0, b.indexOf(':'));

/** Leaves that steer expansion (contexts, types, keywords) must be equal, never substituted. */
const isSteering = (key: string) => key === 'type' || (key.startsWith('@') && key !== '@id' && key !== '@value');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The shape: the document with every substitutable string blanked. */
function shapeOf(value: unknown, steering = false): unknown {
  if (typeof value === 'string') return steering ? value : '';
  if (Array.isArray(value)) return value.map((v) => shapeOf(v, steering));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v, steering || isSteering(k))]));
}

function countLeaves(value: unknown, counts: Map<string, number>): void {
  if (typeof value === 'string') counts.set(value, (counts.get(value) ?? 0) + 1);
  else if (Array.isArray(value)) value.forEach((v) => countLeaves(v, counts));
  else if (isObject(value)) Object.values(value).forEach((v) => countLeaves(v, counts));
}

/** Pairs of (template string, new string) where two documents of one shape differ. */
function differences(a: unknown, b: unknown, out: Map<string, string>): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return true;
    const seen = out.get(a);
    if (seen !== undefined && seen !== b) return false;
    out.set(a, b);
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.every((v, i) => differences(v, b[i], out));
  if (isObject(a) && isObject(b)) return Object.keys(a).every((k) => differences(a[k], b[k], out));
  return a === b;
}

function newTemplate(json: unknown, dataset: Quad[]): Template {
  const leafCounts = new Map<string, number>();
  countLeaves(json, leafCounts);
  const termKinds = new Map<string, string>();
  const fixedIris = new Set<string>();
  const note = (t: Term) => {
    const kind = termKinds.get(t.value);
    termKinds.set(t.value, kind === undefined || kind === t.termType ? t.termType : 'mixed');
  };
  for (const q of dataset) {
    note(q.subject);
    note(q.object);
    if (q.graph.value) note(q.graph);
    fixedIris.add(q.predicate.value);
    if (q.object.datatype) fixedIris.add(q.object.datatype.value);
  }
  return { json, dataset, leafCounts, termKinds, fixedIris, state: 'unchecked' };
}

/** The substitutions, or undefined when one of them is not provably exact. */
function substitutionsFor(t: Template, json: unknown): Map<string, string> | undefined {
  const diff = new Map<string, string>();
  if (!differences(t.json, json, diff)) return undefined;
  const newValues = new Set<string>();
  for (const [from, to] of diff) {
    if (t.leafCounts.get(from) !== 1 || t.fixedIris.has(from)) return undefined;
    const kind = t.termKinds.get(from);
    if (kind === 'NamedNode' ? !sameIriKind(from, to) : kind !== 'Literal') return undefined;
    // A value equal to another would merge nodes or repeat a quad, which the library's path dedupes.
    if (t.termKinds.has(to) || t.fixedIris.has(to) || newValues.has(to)) return undefined;
    newValues.add(to);
  }
  return diff;
}

function substitute(dataset: Quad[], diff: Map<string, string>): Quad[] {
  const term = (t: Term): Term => {
    const to = diff.get(t.value);
    return to === undefined || t.termType === 'BlankNode' ? t : { ...t, value: to };
  };
  return dataset.map((q) => ({
    subject: term(q.subject),
    predicate: q.predicate,
    object: term(q.object),
    graph: q.graph,
  }));
}

/** The cryptosuite's own steps (eddsa-rdfc-2022 `canonize`), keeping the dataset. */
async function fullCanonize(input: unknown, options: CanonizeOptions): Promise<{ dataset: Quad[]; nquads: string }> {
  const opts = { rdfDirection: 'i18n-datatype', ...options, produceGeneralizedRdf: false };
  delete (opts as { format?: unknown }).format;
  const dataset = (await jsonld.toRDF(input, opts)) as Quad[];
  return { dataset, nquads: await rdfCanonize.canonize(dataset, options) };
}

/**
 * A drop-in for the eddsa-rdfc-2022 cryptosuite's `canonize(input, options)`: same options, same
 * defaults, same output. Documents given with `skipExpansion` or non-default options go the
 * library's way.
 */
export async function canonizeWithTemplates(input: unknown, options: CanonizeOptions): Promise<string> {
  const full = { algorithm: 'RDFC-1.0', format: 'application/n-quads', base: null, safe: true, ...options };
  if (!isObject(input) || options.skipExpansion !== undefined || full.safe !== true || full.base !== null) {
    stats.full++;
    return (await fullCanonize(input, full)).nquads;
  }
  const shape = JSON.stringify(shapeOf(input));
  const t = templates.get(shape);
  const diff = t && t.state !== 'refused' ? substitutionsFor(t, input) : undefined;
  if (!t || !diff) {
    const done = await fullCanonize(input, full);
    stats.full++;
    if (!t) {
      if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
      // The library may keep references into the input; the template keeps its own copy.
      templates.set(shape, newTemplate(structuredClone(input), done.dataset));
    }
    return done.nquads;
  }
  const nquads = await rdfCanonize.canonize(substitute(t.dataset, diff), full);
  if (t.state === 'unchecked') {
    const reference = (await fullCanonize(input, full)).nquads;
    t.state = reference === nquads ? 'trusted' : 'refused';
    if (t.state === 'refused') {
      stats.refusedTemplates++;
      stats.full++;
      return reference;
    }
  }
  stats.substituted++;
  return nquads;
}
