import { constants, inflateSync } from 'node:zlib';
import { UnprocessableEntityError, ValidationError } from '../errors.js';
import { MAX_PDF_NESTING, MAX_PDF_OBJECT_STREAM_BYTES, MAX_PDF_OBJECTS } from './input-limits.js';

/**
 * A small PDF object reader for untrusted files, built to be bounded rather than complete: it
 * indexes the indirect objects with one forward scan (as PDF readers do to repair a broken xref),
 * parses only the objects it is asked for, without recursion and with a nesting limit, and decodes
 * a stream only on request and only up to a given size. Object streams (PDF 1.5) are decoded
 * lazily, within one total budget. Nothing else is inflated, so an attachment or an object stream
 * that expands to gigabytes costs a few milliseconds and a 422.
 */

export class PdfName {
  constructor(readonly name: string) {}
}
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
export class PdfString {
  constructor(readonly bytes: Buffer) {}
}
export type PdfDict = Map<string, PdfValue>;
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly data: Buffer,
  ) {}
}
export type PdfValue = null | boolean | number | PdfName | PdfRef | PdfString | PdfValue[] | PdfDict | PdfStream;

const unreadable = (why: string) => new ValidationError(`not a readable PDF: ${why}`);
const tooManyObjects = () => new UnprocessableEntityError(`The PDF has more than ${MAX_PDF_OBJECTS} objects.`);

// ---- lexer -------------------------------------------------------------------------------------

const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const IS_DIGIT = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) IS_DIGIT[c] = 1;

type Token =
  | { t: '[' | ']' | '<<' | '>>' | '{' | '}' }
  | { t: 'num'; v: number; int: boolean }
  | { t: 'name'; v: string }
  | { t: 'str'; v: Buffer }
  | { t: 'kw'; v: string };

class Lexer {
  constructor(
    readonly b: Buffer,
    public pos = 0,
  ) {}

  skipWs(): void {
    const b = this.b;
    while (this.pos < b.length) {
      const c = b[this.pos];
      if (WS[c]) this.pos++;
      else if (c === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 10 && b[this.pos] !== 13) this.pos++;
      } else break;
    }
  }

  private regular(): string {
    const start = this.pos;
    while (this.pos < this.b.length && !WS[this.b[this.pos]] && !DELIM[this.b[this.pos]]) this.pos++;
    return this.b.toString('latin1', start, this.pos);
  }

  next(): Token | undefined {
    this.skipWs();
    const b = this.b;
    if (this.pos >= b.length) return undefined;
    const c = b[this.pos];
    if (c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) {
      this.pos++;
      return { t: String.fromCharCode(c) as '[' | ']' | '{' | '}' };
    }
    if (c === 0x3c && b[this.pos + 1] === 0x3c) {
      this.pos += 2;
      return { t: '<<' };
    }
    if (c === 0x3e && b[this.pos + 1] === 0x3e) {
      this.pos += 2;
      return { t: '>>' };
    }
    if (c === 0x3c) return { t: 'str', v: this.hexString() };
    if (c === 0x28) return { t: 'str', v: this.literalString() };
    if (c === 0x2f) {
      this.pos++;
      const name = this.regular().replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      return { t: 'name', v: name };
    }
    if (DELIM[c]) {
      this.pos++;
      return { t: 'kw', v: String.fromCharCode(c) };
    }
    if (IS_DIGIT[c] || c === 0x2b || c === 0x2d) {
      const int = this.integer();
      if (int !== undefined) return { t: 'num', v: int, int: true };
    }
    const word = this.regular();
    if (NUMBER.test(word)) return { t: 'num', v: Number(word), int: /^[+-]?\d+$/.test(word) };
    return { t: 'kw', v: word };
  }

  private hexString(): Buffer {
    const end = this.b.indexOf(0x3e, this.pos);
    if (end < 0) throw unreadable('unterminated hex string');
    const hex = this.b.toString('latin1', this.pos + 1, end).replace(/[^0-9a-fA-F]/g, '');
    this.pos = end + 1;
    return Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
  }

  /** The common case of a plain integer, read straight from the bytes; undefined for anything else. */
  private integer(): number | undefined {
    const b = this.b;
    let i = this.pos + (b[this.pos] === 0x2b || b[this.pos] === 0x2d ? 1 : 0);
    let v = 0;
    const first = i;
    while (i < b.length && IS_DIGIT[b[i]] && i - first < 15) v = v * 10 + (b[i++] - 0x30);
    if (i === first || (i < b.length && !WS[b[i]] && !DELIM[b[i]])) return undefined;
    const negative = b[this.pos] === 0x2d;
    this.pos = i;
    return negative ? -v : v;
  }

  /** Two passes: find the end first, so the output is one buffer of the right size. */
  private literalString(): Buffer {
    const b = this.b;
    let depth = 1;
    let end = this.pos + 1;
    for (; end < b.length; end++) {
      const c = b[end];
      if (c === 0x5c) end++;
      else if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
    }
    if (depth !== 0) throw unreadable('unterminated string');
    const out = Buffer.allocUnsafe(end - this.pos);
    let n = 0;
    for (let i = this.pos + 1; i < end; i++) {
      const c = b[i];
      if (c !== 0x5c) {
        out[n++] = c;
        continue;
      }
      const e = b[++i];
      if (ESCAPES[e] !== undefined) out[n++] = ESCAPES[e];
      else if (e >= 0x30 && e <= 0x37) {
        let v = e - 0x30;
        for (let k = 0; k < 2 && b[i + 1] >= 0x30 && b[i + 1] <= 0x37; k++) v = v * 8 + (b[++i] - 0x30);
        out[n++] = v & 0xff;
      } else if (e === 13) {
        if (b[i + 1] === 10) i++;
      } else if (e !== 10) out[n++] = e;
    }
    this.pos = end + 1;
    return out.subarray(0, n);
  }
}

const ESCAPES: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };

// ---- objects -----------------------------------------------------------------------------------

type Frame = { array: PdfValue[] } | { dict: PdfValue[] };

/** One value at the lexer's position, iteratively, refusing nesting deeper than MAX_PDF_NESTING. */
function parseValue(lx: Lexer): PdfValue {
  const stack: Frame[] = [];
  for (;;) {
    const tok = lx.next();
    if (!tok) throw unreadable('unexpected end of file');
    let value: PdfValue;
    if (tok.t === '[' || tok.t === '<<') {
      if (stack.length >= MAX_PDF_NESTING) {
        throw new UnprocessableEntityError(`The PDF nests objects more than ${MAX_PDF_NESTING} levels deep.`);
      }
      stack.push(tok.t === '[' ? { array: [] } : { dict: [] });
      continue;
    } else if (tok.t === ']' || tok.t === '>>') {
      const top = stack.pop();
      if (tok.t === ']' && top && 'array' in top) value = top.array;
      else if (tok.t === '>>' && top && 'dict' in top) value = toDict(top.dict);
      else throw unreadable(`unbalanced ${tok.t}`);
    } else if (tok.t === 'num') {
      value = tok.int ? maybeRef(lx, tok.v) : tok.v;
    } else if (tok.t === 'name') {
      value = new PdfName(tok.v);
    } else if (tok.t === 'str') {
      value = new PdfString(tok.v);
    } else if (tok.t === 'kw' && (tok.v === 'true' || tok.v === 'false' || tok.v === 'null')) {
      value = tok.v === 'null' ? null : tok.v === 'true';
    } else {
      throw unreadable(`unexpected ${'v' in tok ? tok.v : tok.t}`);
    }
    if (!stack.length) return value;
    const top = stack[stack.length - 1];
    ('array' in top ? top.array : top.dict).push(value);
  }
}

function maybeRef(lx: Lexer, num: number): PdfValue {
  const save = lx.pos;
  const gen = lx.next();
  if (gen?.t === 'num' && gen.int) {
    const r = lx.next();
    if (r?.t === 'kw' && r.v === 'R') return new PdfRef(num, gen.v);
  }
  lx.pos = save;
  return num;
}

function toDict(items: PdfValue[]): PdfDict {
  const dict: PdfDict = new Map();
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = items[i];
    if (!(key instanceof PdfName)) throw unreadable('a dictionary key is not a name');
    dict.set(key.name, items[i + 1]);
  }
  return dict;
}

export const isDict = (v: PdfValue | undefined): v is PdfDict => v instanceof Map;

// ---- document ----------------------------------------------------------------------------------

const PDF_WS = '[\\0\\t\\n\\f\\r ]';
/** An object header, or the start of a stream's data (skipped to its `endstream`). */
const INDEX = new RegExp(
  `(?<![0-9])([0-9]{1,10})${PDF_WS}+([0-9]{1,5})${PDF_WS}+obj(?![A-Za-z0-9])` + `|>>${PDF_WS}*stream(?:\\r\\n|\\n|\\r)`,
  'g',
);

interface Located {
  offset: number;
  num: number;
  gen: number;
}

export class PdfReader {
  private readonly text: string;
  /** Object headers in file order; a later definition of a number wins (incremental updates). */
  private readonly located: Located[] = [];
  private readonly byNum = new Map<number, Located>();
  private readonly cache = new Map<number, PdfValue | undefined>();
  private compressed?: Map<number, { data: Buffer; offset: number }>;
  private parsed = 0;

  constructor(private readonly bytes: Buffer) {
    if (bytes.indexOf('%PDF-') < 0 || bytes.indexOf('%PDF-') > 1024) throw unreadable('no %PDF header');
    this.text = bytes.toString('latin1');
    const re = new RegExp(INDEX);
    for (let m = re.exec(this.text); m; m = re.exec(this.text)) {
      if (m[1] === undefined) {
        // Stream data is opaque: skip it so bytes inside it are never taken for object headers.
        const end = this.text.indexOf('endstream', re.lastIndex);
        if (end < 0) break;
        re.lastIndex = end;
        continue;
      }
      if (this.located.length >= MAX_PDF_OBJECTS) throw tooManyObjects();
      const at: Located = { offset: m.index, num: Number(m[1]), gen: Number(m[2]) };
      this.located.push(at);
      this.byNum.set(at.num, at);
    }
    if (!this.located.length) throw unreadable('no objects');
  }

  /** Follows references (a few hops at most) to the value. */
  resolve(v: PdfValue | undefined): PdfValue | undefined {
    for (let hops = 0; v instanceof PdfRef && hops < 8; hops++) v = this.object(v.num);
    return v instanceof PdfRef ? undefined : v;
  }

  get(dict: PdfDict | undefined, key: string): PdfValue | undefined {
    return dict ? this.resolve(dict.get(key)) : undefined;
  }

  object(num: number): PdfValue | undefined {
    if (this.cache.has(num)) return this.cache.get(num);
    if (++this.parsed > MAX_PDF_OBJECTS) throw new UnprocessableEntityError('The PDF needs too many objects read.');
    this.cache.set(num, undefined); // a reference cycle through /Length resolves to nothing
    let value: PdfValue | undefined;
    const at = this.byNum.get(num);
    try {
      if (at) value = this.parseIndirect(at.offset);
      else {
        const inStream = this.objectStreams().get(num);
        if (inStream) value = parseValue(new Lexer(inStream.data, inStream.offset));
      }
    } catch (err) {
      if (err instanceof UnprocessableEntityError) throw err;
      value = undefined; // one broken object does not make the rest unreadable
    }
    this.cache.set(num, value);
    return value;
  }

  /** The trailer (classic, or an xref stream's dictionary); failing both, a found catalog. */
  trailer(): PdfDict {
    let at = this.text.lastIndexOf('trailer');
    for (let tries = 0; at >= 0 && tries < 16; at = this.text.lastIndexOf('trailer', at - 1), tries++) {
      try {
        const dict = parseValue(new Lexer(this.bytes, at + 7));
        if (isDict(dict) && dict.has('Root')) return dict;
      } catch (err) {
        if (err instanceof UnprocessableEntityError) throw err;
      }
    }
    const xref = this.lastObjectMatching(/\/Type[\0\t\n\f\r ]*\/XRef(?![A-Za-z0-9])/g);
    if (xref && xref.value instanceof PdfStream && xref.value.dict.has('Root')) return xref.value.dict;
    const catalog = this.lastObjectMatching(/\/Type[\0\t\n\f\r ]*\/Catalog(?![A-Za-z0-9])/g);
    if (catalog) return new Map([['Root', new PdfRef(catalog.at.num, catalog.at.gen)]]);
    throw unreadable('no trailer and no document catalog');
  }

  /** A stream's data through its filters (Flate, ASCIIHex), refused when it would exceed `max` bytes. */
  decode(stream: PdfStream, max: number, what: string): Buffer {
    const filter = this.get(stream.dict, 'Filter');
    const filters = (Array.isArray(filter) ? filter : filter === undefined ? [] : [filter]).map((f) => this.resolve(f));
    let data = stream.data;
    for (const f of filters) {
      const name = f instanceof PdfName ? f.name : '?';
      if (name === 'FlateDecode' || name === 'Fl') data = inflateCapped(data, max, what);
      else if (name === 'ASCIIHexDecode' || name === 'AHx') data = fromHex(data);
      else throw unreadable(`${what} uses the unsupported filter ${name}`);
    }
    if (data.length > max) throw new UnprocessableEntityError(`${what} is larger than ${max} bytes.`);
    return data;
  }

  private parseIndirect(offset: number): PdfValue {
    const lx = new Lexer(this.bytes, offset);
    lx.next();
    lx.next();
    if (lx.next()?.t !== 'kw') throw unreadable('bad object header');
    const value = parseValue(lx);
    lx.skipWs();
    if (!isDict(value) || this.bytes.toString('latin1', lx.pos, lx.pos + 6) !== 'stream') return value;
    let start = lx.pos + 6;
    if (this.bytes[start] === 13) start++;
    if (this.bytes[start] === 10) start++;
    const declared = this.resolve(value.get('Length'));
    const fits = typeof declared === 'number' && declared >= 0 && start + declared <= this.bytes.length;
    let end = fits ? start + declared : -1;
    // A wrong /Length is common in the wild: trust it only when `endstream` follows it.
    if (
      end < 0 ||
      !this.bytes
        .toString('latin1', end, end + 12)
        .trimStart()
        .startsWith('endstream')
    ) {
      end = this.bytes.indexOf('endstream', start);
      if (end < 0) throw unreadable('unterminated stream');
      while (end > start && (this.bytes[end - 1] === 10 || this.bytes[end - 1] === 13)) end--;
    }
    return new PdfStream(value, this.bytes.subarray(start, end));
  }

  private containing(offset: number): Located | undefined {
    let lo = 0;
    let hi = this.located.length - 1;
    let found: Located | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.located[mid].offset <= offset) {
        found = this.located[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private lastObjectMatching(re: RegExp): { at: Located; value: PdfValue } | undefined {
    // Only the last 16 hits are kept: a file may repeat the pattern a million times.
    const hits: number[] = [];
    for (const hit of this.text.matchAll(re)) {
      hits.push(hit.index);
      if (hits.length > 16) hits.shift();
    }
    for (const index of hits.reverse()) {
      const at = this.containing(index);
      const value = at && this.byNum.get(at.num) === at ? this.object(at.num) : undefined;
      if (at && value !== undefined) return { at, value };
    }
    return undefined;
  }

  /** Objects stored in object streams, decoded on first need within MAX_PDF_OBJECT_STREAM_BYTES in total. */
  private objectStreams(): Map<number, { data: Buffer; offset: number }> {
    if (this.compressed) return this.compressed;
    const index = (this.compressed = new Map());
    let budget = MAX_PDF_OBJECT_STREAM_BYTES;
    const seen = new Set<number>();
    for (const hit of this.text.matchAll(/\/Type[\0\t\n\f\r ]*\/ObjStm(?![A-Za-z0-9])/g)) {
      const at = this.containing(hit.index);
      if (!at || seen.has(at.offset)) continue;
      seen.add(at.offset);
      let stream: PdfValue;
      try {
        stream = this.parseIndirect(at.offset);
      } catch (err) {
        if (err instanceof UnprocessableEntityError) throw err;
        continue;
      }
      if (!(stream instanceof PdfStream)) continue;
      if (budget <= 0) throw new UnprocessableEntityError('The object streams of the PDF decode to too many bytes.');
      const data = this.decode(stream, budget, 'An object stream of the PDF (all of them together)');
      budget -= data.length;
      const n = this.get(stream.dict, 'N');
      const first = this.get(stream.dict, 'First');
      if (typeof n !== 'number' || typeof first !== 'number') continue;
      if (n > MAX_PDF_OBJECTS) throw tooManyObjects();
      const lx = new Lexer(data);
      for (let i = 0; i < n; i++) {
        const num = lx.next();
        const rel = lx.next();
        if (num?.t !== 'num' || rel?.t !== 'num') break;
        if (!this.byNum.has(num.v) && !index.has(num.v)) index.set(num.v, { data, offset: first + rel.v });
      }
    }
    return index;
  }
}

function inflateCapped(data: Buffer, max: number, what: string): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      const message = `${what} inflates to more than ${max} bytes; it is refused as a decompression bomb.`;
      throw new UnprocessableEntityError(message);
    }
    throw unreadable(`${what} is not valid Flate data`);
  }
}

function fromHex(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(/[^0-9a-f]/gi, ''), 'hex');
}

/** A PDF text string: UTF-16BE or UTF-8 with their byte order marks, else PDFDocEncoding (read as Latin-1). */
export function pdfText(v: PdfValue | undefined): string | undefined {
  if (!(v instanceof PdfString)) return undefined;
  const b = v.bytes;
  if (b[0] === 0xfe && b[1] === 0xff) {
    const body = Buffer.from(b.subarray(2, 2 + ((b.length - 2) & ~1)));
    return body.swap16().toString('utf16le');
  }
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.toString('utf8', 3);
  return b.toString('latin1');
}
