import { constants, inflateSync } from 'node:zlib';
import { UnprocessableEntityError } from '../errors.js';
import { MAX_PDF_OBJECT_STREAM_BYTES, MAX_PDF_OBJECTS } from './input-limits.js';
import { Lexer, parseValue } from './pdf-lexer.js';
import { isDict, PdfName, PdfRef, PdfStream, unreadable, type PdfDict, type PdfValue } from './pdf-values.js';

export { isDict, pdfText, PdfName, PdfRef, PdfStream, PdfString } from './pdf-values.js';
export type { PdfDict, PdfValue } from './pdf-values.js';

/**
 * A small PDF object reader for untrusted files, built to be bounded rather than complete: it
 * indexes the indirect objects with one forward scan (as PDF readers do to repair a broken xref),
 * parses only the objects it is asked for, without recursion and with a nesting limit, and decodes
 * a stream only on request and only up to a given size. Object streams (PDF 1.5) are decoded
 * lazily, within one total budget. Nothing else is inflated, so an attachment or an object stream
 * that expands to gigabytes costs a few milliseconds and a 422.
 */

const tooManyObjects = () => new UnprocessableEntityError(`The PDF has more than ${MAX_PDF_OBJECTS} objects.`);

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
