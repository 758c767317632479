import { crc32 } from 'node:zlib';
import { UnprocessableEntityError, ValidationError } from '../errors.js';
import { MAX_BAKED_TEXT_BYTES, MAX_PNG_CHUNKS } from '../verification/input-limits.js';
import { scanSvg } from './svg-markup-scan.js';

/** Badge baking (OPEN-BADGES.md §3): OB 3.0 and OB 2.0 payloads in PNG iTXt chunks and SVG elements. */

export interface BakePayload {
  /** Compact JWS of the OpenBadgeCredential. */
  ob3Jwt?: string;
  /** Or the credential JSON itself, carrying an embedded proof (issue 14: Data Integrity only issuers). */
  ob3Json?: string;
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

/**
 * Walks the chunks one by one without keeping them (a 5 MiB file can hold ~400,000 empty chunks).
 * Reading stops at IEND; more than MAX_PNG_CHUNKS chunks is refused as hostile.
 */
function* walkChunks(png: Uint8Array): Generator<Chunk> {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new ValidationError('The image is not a PNG.');
  }
  let pos = 8;
  let count = 0;
  let last = '';
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new ValidationError('The PNG is truncated.');
    if (++count > MAX_PNG_CHUNKS) throw new UnprocessableEntityError(`The PNG has more than ${MAX_PNG_CHUNKS} chunks.`);
    const length = buf.readUInt32BE(pos);
    const end = pos + 12 + length;
    if (end > buf.length) throw new ValidationError('The PNG is truncated.');
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (count === 1 && type !== 'IHDR') throw new ValidationError('The PNG has no IHDR or IEND chunk.');
    yield { type, data: buf.subarray(pos + 8, pos + 8 + length), raw: buf.subarray(pos, end) };
    last = type;
    pos = end;
    if (type === 'IEND') break;
  }
  if (last !== 'IEND') throw new ValidationError('The PNG has no IHDR or IEND chunk.');
}

function readChunks(png: Uint8Array): Chunk[] {
  return [...walkChunks(png)];
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
  if (chunk.type !== 'iTXt' && chunk.type !== 'tEXt' && chunk.type !== 'zTXt') return undefined;
  const nul = chunk.data.indexOf(0);
  return nul < 0 ? undefined : chunk.data.toString('latin1', 0, nul);
}

const COMPRESSED_REFUSED = (keyword: string) =>
  `The PNG carries a compressed "${keyword}" text chunk; the baking spec requires it uncompressed, ` +
  'and compressed ones are not read.';
const TOO_LARGE = `The baked credential is larger than ${MAX_BAKED_TEXT_BYTES / 1024 / 1024} MiB.`;

function parseITXtText(data: Buffer, keyword: string): string {
  let pos = data.indexOf(0) + 1;
  // Compression flag: the spec says 0. Inflating an untrusted chunk is how a 1 MB PNG becomes 1 GiB.
  if (data[pos] !== 0) throw new UnprocessableEntityError(COMPRESSED_REFUSED(keyword));
  pos += 2;
  pos = data.indexOf(0, pos) + 1; // language tag
  pos = data.indexOf(0, pos) + 1; // translated keyword
  if (pos === 0) throw new ValidationError('Malformed iTXt chunk in the PNG.');
  return bakedText(data.subarray(pos), 'utf8');
}

function bakedText(bytes: Buffer, encoding: 'utf8' | 'latin1'): string {
  if (bytes.length > MAX_BAKED_TEXT_BYTES) throw new UnprocessableEntityError(TOO_LARGE);
  return bytes.toString(encoding);
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
  const ob3 = payload.ob3Jwt ?? payload.ob3Json;
  if (ob3 !== undefined) {
    replace.add(OB3_KEYWORD);
    added.push(iTXt(OB3_KEYWORD, ob3));
  }
  if (payload.ob2 !== undefined) {
    replace.add(OB2_KEYWORD);
    added.push(iTXt(OB2_KEYWORD, ob2Text(payload.ob2)));
  }
  const kept = chunks.filter((c) => !replace.has(textChunkKeyword(c) ?? ''));
  const iend = kept.pop()!;
  return Buffer.concat([PNG_SIGNATURE, ...kept.map((c) => c.raw), ...added, iend.raw]);
}

/**
 * The first matching chunk per keyword wins, as the extraction rules say. Nothing is inflated:
 * a compressed iTXt or a zTXt under one of the baking keywords is refused (422).
 */
export function readBakedPng(png: Uint8Array): BakedPayload {
  const result: BakedPayload = {};
  let legacyOb2: string | undefined;
  for (const chunk of walkChunks(png)) {
    const keyword = textChunkKeyword(chunk);
    if (chunk.type === 'zTXt' && (keyword === OB3_KEYWORD || keyword === OB2_KEYWORD)) {
      throw new UnprocessableEntityError(COMPRESSED_REFUSED(keyword));
    }
    if (chunk.type === 'tEXt' && keyword === OB2_KEYWORD) {
      legacyOb2 ??= bakedText(chunk.data.subarray(keyword.length + 1), 'latin1');
    } else if (chunk.type === 'iTXt' && keyword === OB3_KEYWORD && !result.ob3Jwt && !result.ob3Json) {
      const text = parseITXtText(chunk.data, keyword).trim();
      if (text.startsWith('{')) result.ob3Json = text;
      else result.ob3Jwt = text;
    } else if (chunk.type === 'iTXt' && keyword === OB2_KEYWORD && result.ob2 === undefined) {
      result.ob2 = parseITXtText(chunk.data, keyword);
    }
  }
  if (result.ob2 === undefined && legacyOb2 !== undefined) result.ob2 = legacyOb2;
  return result;
}

// ---- SVG -------------------------------------------------------------------------------------
// String surgery instead of an XML parser: we only touch the root start tag and our own
// elements, and we only read back elements we (or spec-following bakers) wrote. One linear scan
// (svg-markup-scan.ts) finds them; entities other than XML's five and character references are
// never expanded.

const CREDENTIAL = 'openbadges:credential';
const ASSERTION = 'openbadges:assertion';
const BAKED_ELEMENTS = new Set([CREDENTIAL, ASSERTION]);

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

const XML_ENTITY: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };

/** One pass, so `&amp;lt;` stays `&lt;`; a character reference outside Unicode is left as written. */
function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-fA-F]{1,8}|#[0-9]{1,10});/g, (ref, name: string) => {
    if (name[0] !== '#') return XML_ENTITY[name];
    const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : ref;
  });
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

/** CDATA sections joined, or the text with references decoded; found with indexOf, not a regex. */
function elementBody(inner: string): string {
  const sections: string[] = [];
  for (let i = inner.indexOf('<![CDATA['); i >= 0; i = inner.indexOf('<![CDATA[', i)) {
    const end = inner.indexOf(']]>', i + 9);
    if (end < 0) break;
    sections.push(inner.slice(i + 9, end));
    i = end + 3;
  }
  return (sections.length ? sections.join('') : unescapeXml(inner)).trim();
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? unescapeXml(m[1] ?? m[2]) : undefined;
}

function svgText(svg: string | Uint8Array): string {
  return typeof svg === 'string' ? svg : Buffer.from(svg).toString('utf8');
}

function bakedTextOf(value: string): string {
  if (value.length > MAX_BAKED_TEXT_BYTES) throw new UnprocessableEntityError(TOO_LARGE);
  return value;
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
  const original = svgText(svg);
  const scan = scanSvg(original, BAKED_ELEMENTS);
  const drop = new Set<string>();
  const hasOb3 = payload.ob3Jwt !== undefined || payload.ob3Json !== undefined;
  if (hasOb3) drop.add(CREDENTIAL);
  if (payload.ob2 !== undefined) drop.add(ASSERTION);
  let text = '';
  let from = 0;
  for (const el of scan.elements) {
    if (!drop.has(el.name)) continue;
    text += original.slice(from, el.start);
    from = el.end;
  }
  text += original.slice(from);
  // Elements come after the root start tag, so its offsets are unchanged by the removals.
  const root = scan.root;
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
    rootNs = hasOb3 ? OB3_NS : OB2_NS;
    tag = tag.replace(/^<svg/, `<svg xmlns:openbadges="${rootNs}"`);
  }
  const ns = (wanted: string) => (rootNs === wanted ? '' : ` xmlns:openbadges="${wanted}"`);
  const elements: string[] = [];
  if (payload.ob3Jwt !== undefined) {
    elements.push(
      `<openbadges:credential${ns(OB3_NS)} verify="${escapeAttr(payload.ob3Jwt)}"></openbadges:credential>`,
    );
  } else if (payload.ob3Json !== undefined) {
    elements.push(`<openbadges:credential${ns(OB3_NS)}>${cdata(payload.ob3Json)}</openbadges:credential>`);
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

/** The first credential and assertion elements, read in one linear pass (DOCTYPE subsets refused). */
export function readBakedSvg(svg: string | Uint8Array): BakedPayload {
  const { elements } = scanSvg(svgText(svg), BAKED_ELEMENTS);
  const result: BakedPayload = {};
  const credential = elements.find((e) => e.name === CREDENTIAL);
  if (credential) {
    const verify = attr(credential.attrs, 'verify');
    if (verify) result.ob3Jwt = bakedTextOf(verify.trim());
    else if (credential.body) result.ob3Json = bakedTextOf(elementBody(credential.body));
  }
  const assertion = elements.find((e) => e.name === ASSERTION);
  if (assertion) {
    const body = assertion.body ? elementBody(assertion.body) : '';
    const ob2 = body || attr(assertion.attrs, 'verify');
    if (ob2) result.ob2 = bakedTextOf(ob2);
  }
  return result;
}
