/** The tokens and values of a PDF's object syntax, read without recursion and with a nesting limit. */
import { UnprocessableEntityError } from '../errors.js';
import { MAX_PDF_NESTING } from './input-limits.js';
import { PdfName, PdfRef, PdfString, unreadable, type PdfDict, type PdfValue } from './pdf-values.js';

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

export class Lexer {
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
export function parseValue(lx: Lexer): PdfValue {
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
