/**
 * Resource names of a page split out of a batch print (certificate-batches.ts), made its own.
 *
 * Skia names a page's resources after their object numbers (/F16, /X19, /G22, /P25), and those
 * count the fonts, images and patterns the batch's earlier certificates made: a split page would
 * tell how much its companions drew. Here every resource the page's content uses is renamed by
 * kind and order of first use (/F0, /F1, /X0, …), in the resource dictionaries and the content
 * streams (the page's and its forms'); resources the content never names are dropped. The names
 * then depend on the page's own drawing only, as they would printed alone.
 *
 * Content streams are tokenized, not pattern-matched: strings, comments and dictionaries are
 * skipped; an inline image (binary data) is refused, and the batch then prints one by one.
 */
import { deflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef, type PDFDocument } from 'pdf-lib';
import { streamBytes } from './pdf-pages.js';

/** Resource kinds and the prefix of their new names. */
const KINDS: Record<string, string> = {
  Font: 'F',
  XObject: 'X',
  ExtGState: 'G',
  Pattern: 'P',
  Shading: 'S',
  ColorSpace: 'C',
  Properties: 'M',
};
const DELIMITER = /[\s()<>[\]{}/%]/;

/** Name tokens of a content stream with their offsets; throws on an inline image. */
export function contentNames(src: string): Array<{ at: number; name: string }> {
  const out: Array<{ at: number; name: string }> = [];
  const n = src.length;
  for (let i = 0; i < n;) {
    const c = src[i];
    if (c === '%') {
      while (i < n && src[i] !== '\n' && src[i] !== '\r') i++;
    } else if (c === '(') {
      let depth = 0;
      for (; i < n; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '(') depth++;
        else if (src[i] === ')' && --depth === 0) break;
      }
      i++;
    } else if (c === '<') {
      if (src[i + 1] === '<') i += 2;
      else i = src.indexOf('>', i) + 1 || n;
    } else if (c === '/') {
      let j = i + 1;
      while (j < n && !DELIMITER.test(src[j])) j++;
      out.push({ at: i, name: src.slice(i, j) });
      i = j;
    } else if (DELIMITER.test(c)) {
      i++;
    } else {
      let j = i;
      while (j < n && !DELIMITER.test(src[j])) j++;
      if (src.slice(i, j) === 'BI') throw new Error('a content stream with an inline image');
      i = j;
    }
  }
  return out;
}

interface Scope {
  resources: PDFDict;
  /** old name → its kind, for every resource of this dictionary */
  kinds: Map<string, string>;
  /** old name → new name, in order of first use */
  renamed: Map<string, string>;
  /** names given so far, by kind */
  count: Record<string, number>;
  /** content streams drawn with these resources, decoded, with their name tokens */
  streams: Array<{ ref: PDFRef; stream: PDFRawStream; src: string; names: Array<{ at: number; name: string }> }>;
}

export function renameResources(doc: PDFDocument): void {
  const page = doc.getPages()[0].node;
  const scopes: Scope[] = [];
  const scopeOf = (resources: PDFDict): Scope => {
    const kinds = new Map<string, string>();
    for (const kind of Object.keys(KINDS)) {
      const dict = resources.lookup(PDFName.of(kind));
      if (!(dict instanceof PDFDict)) continue;
      for (const key of dict.keys()) {
        if (kinds.has(key.asString())) throw new Error(`resource ${key.asString()} of two kinds`);
        kinds.set(key.asString(), kind);
      }
    }
    const scope: Scope = { resources, kinds, renamed: new Map(), count: {}, streams: [] };
    scopes.push(scope);
    return scope;
  };
  const visited = new Set<PDFRawStream>();

  /** Names the resources a stream uses in order of first use, then the forms it draws. */
  const visit = (ref: unknown, scope: Scope) => {
    if (!(ref instanceof PDFRef)) throw new Error('a content stream that is not an indirect object');
    const stream = doc.context.lookup(ref) as PDFRawStream;
    if (visited.has(stream)) return;
    visited.add(stream);
    const src = Buffer.from(streamBytes(stream)).toString('latin1');
    const names = contentNames(src);
    scope.streams.push({ ref, stream, src, names });
    for (const { name } of names) {
      const kind = scope.kinds.get(name);
      if (!kind || scope.renamed.has(name)) continue;
      const k = scope.count[kind] ?? 0;
      scope.count[kind] = k + 1;
      scope.renamed.set(name, `/${KINDS[kind]}${k}`);
      if (kind !== 'XObject') continue;
      const formRef = scope.resources.lookup(PDFName.of('XObject'), PDFDict).get(PDFName.of(name.slice(1)));
      const form = doc.context.lookup(formRef);
      if (!(form instanceof PDFRawStream) || form.dict.get(PDFName.of('Subtype'))?.toString() !== '/Form') continue;
      const own = form.dict.lookup(PDFName.of('Resources'));
      visit(formRef, own instanceof PDFDict ? scopeOf(own) : scope);
    }
  };
  const pageScope = scopeOf(page.lookup(PDFName.of('Resources'), PDFDict));
  const contents = page.get(PDFName.of('Contents'));
  const refs =
    contents instanceof PDFRef ? [contents] : (page.lookup(PDFName.of('Contents'), PDFArray).asArray() as PDFRef[]);
  for (const ref of refs) visit(ref, pageScope);

  for (const scope of scopes) {
    // the dictionaries: used resources under their new names, the rest dropped
    for (const kind of Object.keys(KINDS)) {
      const dict = scope.resources.lookup(PDFName.of(kind));
      if (!(dict instanceof PDFDict)) continue;
      const entries = dict.entries();
      for (const [key] of entries) dict.delete(key);
      for (const [key, value] of entries) {
        const to = scope.renamed.get(key.asString());
        if (to) dict.set(PDFName.of(to.slice(1)), value);
      }
    }
    // the streams: each name token renamed in place
    for (const { ref, stream, src, names } of scope.streams) {
      let out = '';
      let from = 0;
      for (const { at, name } of names) {
        const to = scope.renamed.get(name);
        if (!to) continue;
        out += src.slice(from, at) + to;
        from = at + name.length;
      }
      out += src.slice(from);
      const dict = stream.dict.clone(doc.context);
      dict.set(PDFName.of('Filter'), PDFName.of('FlateDecode'));
      dict.delete(PDFName.of('DecodeParms'));
      const body = deflateSync(Buffer.from(out, 'latin1'));
      dict.set(PDFName.of('Length'), doc.context.obj(body.length));
      doc.context.assign(ref, PDFRawStream.of(dict, body));
    }
  }
}
