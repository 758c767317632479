import { crc32, inflateSync } from 'node:zlib';
import { ValidationError } from '../errors.js';

/** Badge baking (OPEN-BADGES.md §3): OB 3.0 and OB 2.0 payloads in PNG iTXt chunks and SVG elements. */

export interface BakePayload {
  /** Compact JWS of the OpenBadgeCredential. */
  ob3Jwt?: string;
  /** OB 2.0: hosted assertion (object or JSON text), its URL, or a signed JWS. */
  ob2?: string | object;
}

export interface BakedPayload {
  ob3Jwt?: string;
  /** OB 3.0 credential JSON text (embedded-proof baking by other issuers). */
  ob3Json?: string;
  ob2?: string;
}

const OB3_KEYWORD = 'openbadgecredential';
const OB2_KEYWORD = 'openbadges';
const OB3_NS = 'https://purl.imsglobal.org/ob/v3p0';
const OB2_NS = 'http://openbadges.org';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ob2Text(ob2: string | object): string {
  return typeof ob2 === 'string' ? ob2 : JSON.stringify(ob2);
}

// ---- PNG -------------------------------------------------------------------------------------

interface Chunk {
  type: string;
  data: Buffer;
  /** The whole chunk (length, type, data, CRC), reused as-is when the chunk is kept. */
  raw: Buffer;
}

function readChunks(png: Uint8Array): Chunk[] {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new ValidationError('The image is not a PNG.');
  }
  const chunks: Chunk[] = [];
  let pos = 8;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new ValidationError('The PNG is truncated.');
    const length = buf.readUInt32BE(pos);
    const end = pos + 12 + length;
    if (end > buf.length) throw new ValidationError('The PNG is truncated.');
    const type = buf.toString('latin1', pos + 4, pos + 8);
    chunks.push({ type, data: buf.subarray(pos + 8, pos + 8 + length), raw: buf.subarray(pos, end) });
    pos = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR' || chunks.at(-1)?.type !== 'IEND') {
    throw new ValidationError('The PNG has no IHDR or IEND chunk.');
  }
  return chunks;
}

function encodeChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Uncompressed iTXt (the spec forbids compression) with empty language tag and translation. */
function iTXt(keyword: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]);
  return encodeChunk('iTXt', data);
}

function textChunkKeyword(chunk: Chunk): string | undefined {
  if (chunk.type !== 'iTXt' && chunk.type !== 'tEXt') return undefined;
  const nul = chunk.data.indexOf(0);
  return nul < 0 ? undefined : chunk.data.toString('latin1', 0, nul);
}

function parseITXtText(data: Buffer): string {
  let pos = data.indexOf(0) + 1;
  const compressed = data[pos] === 1;
  pos += 2;
  pos = data.indexOf(0, pos) + 1; // language tag
  pos = data.indexOf(0, pos) + 1; // translated keyword
  if (pos === 0) throw new ValidationError('Malformed iTXt chunk in the PNG.');
  const body = data.subarray(pos);
  return (compressed ? inflateSync(body) : body).toString('utf8');
}

/**
 * Writes the payload into `png`, before IEND. Existing chunks with the same keyword are dropped
 * first, since a keyword may appear at most once (re-baking overwrites). A legacy OB 1.x
 * `tEXt openbadges` chunk is dropped with an OB 2.0 re-bake for the same reason.
 */
export function bakePng(png: Uint8Array, payload: BakePayload): Buffer {
  const chunks = readChunks(png);
  const replace = new Set<string>();
  const added: Buffer[] = [];
  if (payload.ob3Jwt !== undefined) {
    replace.add(OB3_KEYWORD);
    added.push(iTXt(OB3_KEYWORD, payload.ob3Jwt));
  }
  if (payload.ob2 !== undefined) {
    replace.add(OB2_KEYWORD);
    added.push(iTXt(OB2_KEYWORD, ob2Text(payload.ob2)));
  }
  const kept = chunks.filter((c) => !replace.has(textChunkKeyword(c) ?? ''));
  const iend = kept.pop()!;
  return Buffer.concat([PNG_SIGNATURE, ...kept.map((c) => c.raw), ...added, iend.raw]);
}

/** The first matching chunk per keyword wins, as the extraction rules say. */
export function readBakedPng(png: Uint8Array): BakedPayload {
  const result: BakedPayload = {};
  let legacyOb2: string | undefined;
  for (const chunk of readChunks(png)) {
    const keyword = textChunkKeyword(chunk);
    if (chunk.type === 'tEXt' && keyword === OB2_KEYWORD) {
      legacyOb2 ??= chunk.data.toString('latin1', keyword.length + 1);
    } else if (chunk.type === 'iTXt' && keyword === OB3_KEYWORD && !result.ob3Jwt && !result.ob3Json) {
      const text = parseITXtText(chunk.data).trim();
      if (text.startsWith('{')) result.ob3Json = text;
      else result.ob3Jwt = text;
    } else if (chunk.type === 'iTXt' && keyword === OB2_KEYWORD && result.ob2 === undefined) {
      result.ob2 = parseITXtText(chunk.data);
    }
  }
  if (result.ob2 === undefined && legacyOb2 !== undefined) result.ob2 = legacyOb2;
  return result;
}

// ---- SVG -------------------------------------------------------------------------------------
// String surgery instead of an XML parser: we only touch the root start tag and our own
// elements, and we only read back elements we (or spec-following bakers) wrote.

const ELEMENT = (name: string) =>
  new RegExp(`<openbadges:${name}\\b((?:[^>"']|"[^"]*"|'[^']*')*?)(?:/>|>([\\s\\S]*?)</openbadges:${name}\\s*>)`, 'g');

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function unescapeXml(value: string): string {
  return value
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ValidationError('The OB 2.0 assertion is not valid JSON.');
  }
}

function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function elementBody(inner: string): string {
  const sections = [...inner.matchAll(/<!\[CDATA\[([\s\S]*?)]]>/g)];
  return (sections.length ? sections.map((m) => m[1]).join('') : unescapeXml(inner)).trim();
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? unescapeXml(m[1] ?? m[2]) : undefined;
}

function svgText(svg: string | Uint8Array): string {
  return typeof svg === 'string' ? svg : Buffer.from(svg).toString('utf8');
}

/** Root `<svg …>` start tag, skipping the XML declaration, comments and doctype. */
function findRootTag(svg: string): { start: number; end: number; selfClosing: boolean } {
  const m = /<svg(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>/.exec(svg.replace(/<!--[\s\S]*?-->/g, (c) => ' '.repeat(c.length)));
  if (!m) throw new ValidationError('The image is not an SVG.');
  return { start: m.index, end: m.index + m[0].length, selfClosing: m[1].trimEnd().endsWith('/') };
}

function rootNamespace(rootTag: string): string | undefined {
  return attr(rootTag.slice(4, -1), 'xmlns:openbadges');
}

/**
 * Adds `<openbadges:credential verify="<jws>">` (OB 3.0: a VC-JWT goes in `verify`, with an empty
 * body) and/or `<openbadges:assertion>` (OB 2.0: `verify` = assertion URL or JWS; a JSON assertion
 * goes in CDATA with its id in `verify`) right after the root start tag, replacing earlier ones.
 */
export function bakeSvg(svg: string | Uint8Array, payload: BakePayload): string {
  let text = svgText(svg);
  if (payload.ob3Jwt !== undefined) text = text.replace(ELEMENT('credential'), '');
  if (payload.ob2 !== undefined) text = text.replace(ELEMENT('assertion'), '');
  const root = findRootTag(text);
  let tag = text.slice(root.start, root.end);
  let tail = text.slice(root.end);
  if (root.selfClosing) {
    tag = tag.replace(/\s*\/>$/, '>');
    tail = `</svg>${tail}`;
  }
  // The two versions bind the same prefix to different namespaces; the root keeps whichever
  // it already declares and an element with the other one redeclares the prefix locally.
  let rootNs = rootNamespace(tag);
  if (!rootNs) {
    rootNs = payload.ob3Jwt !== undefined ? OB3_NS : OB2_NS;
    tag = tag.replace(/^<svg/, `<svg xmlns:openbadges="${rootNs}"`);
  }
  const ns = (wanted: string) => (rootNs === wanted ? '' : ` xmlns:openbadges="${wanted}"`);
  const elements: string[] = [];
  if (payload.ob3Jwt !== undefined) {
    elements.push(`<openbadges:credential${ns(OB3_NS)} verify="${escapeAttr(payload.ob3Jwt)}"></openbadges:credential>`);
  }
  if (payload.ob2 !== undefined) {
    const ob2 = ob2Text(payload.ob2);
    if (ob2.trim().startsWith('{')) {
      const id = parseJsonObject(ob2).id;
      const verify = typeof id === 'string' ? ` verify="${escapeAttr(id)}"` : '';
      elements.push(`<openbadges:assertion${ns(OB2_NS)}${verify}>${cdata(ob2)}</openbadges:assertion>`);
    } else {
      elements.push(`<openbadges:assertion${ns(OB2_NS)} verify="${escapeAttr(ob2)}"></openbadges:assertion>`);
    }
  }
  return text.slice(0, root.start) + tag + elements.join('') + tail;
}

export function readBakedSvg(svg: string | Uint8Array): BakedPayload {
  const text = svgText(svg);
  findRootTag(text);
  const result: BakedPayload = {};
  const credential = ELEMENT('credential').exec(text);
  if (credential) {
    const verify = attr(credential[1], 'verify');
    if (verify) result.ob3Jwt = verify.trim();
    else if (credential[2]) result.ob3Json = elementBody(credential[2]);
  }
  const assertion = ELEMENT('assertion').exec(text);
  if (assertion) {
    const body = assertion[2] ? elementBody(assertion[2]) : '';
    const ob2 = body || attr(assertion[1], 'verify');
    if (ob2) result.ob2 = ob2;
  }
  return result;
}
