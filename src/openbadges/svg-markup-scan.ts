import { UnprocessableEntityError, ValidationError } from '../errors.js';

/**
 * One forward pass over SVG markup that finds the root start tag and the elements baking cares
 * about, with their offsets. Not an XML parser: it classifies each `<…>` construct (comment, CDATA,
 * processing instruction, DOCTYPE, start or end tag), skips it with `indexOf`, and never looks
 * back, so the time is linear in the input whatever it holds. Entities are never expanded; a
 * DOCTYPE with an internal subset (where entity declarations live) is refused outright, and so is
 * nesting deeper than MAX_SVG_DEPTH.
 */

export interface ScannedElement {
  /** Qualified name as written (`openbadges:credential`). */
  name: string;
  /** Offset of `<` of the start tag, and just past the end tag (or the self-closing start tag). */
  start: number;
  end: number;
  /** Raw attribute text of the start tag. */
  attrs: string;
  /** Raw markup between the start and end tag; undefined when self-closing. */
  body: string | undefined;
}

export interface SvgScan {
  root: { start: number; end: number; selfClosing: boolean; attrs: string };
  /** Every outermost occurrence of a wanted element, in document order. */
  elements: ScannedElement[];
}

/** Elements nest at most this deep (as the SVG sanitizer allows); real badges nest a few dozen. */
export const MAX_SVG_DEPTH = 400;

const QUOTE_OR_GT = /[>"']/g;
const QUOTE_OR_GT_OR_BRACKET = /[>"'[]/g;
const NAME = /[^\s/>]+/y;
const DECLARATION = /^<!(ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;

/** Index of the `>` closing the construct that starts at `from`, skipping quoted values; -1 if none. */
function closingGt(text: string, from: number, stopAtBracket = false): number {
  const re = stopAtBracket ? QUOTE_OR_GT_OR_BRACKET : QUOTE_OR_GT;
  let i = from;
  for (;;) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return -1;
    if (m[0] === '>' || m[0] === '[') return m.index;
    const close = text.indexOf(m[0], m.index + 1);
    if (close < 0) return -1;
    i = close + 1;
  }
}

function skipPast(text: string, from: number, terminator: string, what: string): number {
  const at = text.indexOf(terminator, from);
  if (at < 0) throw new ValidationError(`The SVG is malformed: unterminated ${what}.`);
  return at + terminator.length;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

export function scanSvg(text: string, wanted: ReadonlySet<string>): SvgScan {
  let root: SvgScan['root'] | undefined;
  const elements: ScannedElement[] = [];
  let open: { name: string; start: number; attrs: string; bodyStart: number; depth: number } | undefined;
  let depth = 0;
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const next = text[lt + 1];
    if (text.startsWith('<!--', lt)) {
      i = skipPast(text, lt + 4, '-->', 'comment');
    } else if (text.startsWith('<![CDATA[', lt)) {
      i = skipPast(text, lt + 9, ']]>', 'CDATA section');
    } else if (next === '?') {
      i = skipPast(text, lt + 2, '?>', 'processing instruction');
    } else if (next === '!') {
      i = skipDeclaration(text, lt);
    } else if (next === '/') {
      const gt = text.indexOf('>', lt);
      if (gt < 0) throw new ValidationError('The SVG is malformed: unterminated end tag.');
      const name = text.slice(lt + 2, gt).trim();
      depth--;
      if (open && name === open.name && --open.depth === 0) {
        const body = text.slice(open.bodyStart, lt);
        elements.push({ name, start: open.start, end: gt + 1, attrs: open.attrs, body });
        open = undefined;
      }
      i = gt + 1;
    } else {
      NAME.lastIndex = lt + 1;
      const name = NAME.exec(text)?.[0];
      if (!name) {
        i = lt + 1; // a stray `<` in text: not well-formed, but nothing of ours
        continue;
      }
      const gt = closingGt(text, lt + 1 + name.length);
      if (gt < 0) throw new ValidationError('The SVG is malformed: unterminated start tag.');
      const selfClosing = text[gt - 1] === '/';
      const attrs = text.slice(lt + 1 + name.length, selfClosing ? gt - 1 : gt);
      if (!selfClosing && ++depth > MAX_SVG_DEPTH) {
        throw new UnprocessableEntityError(`The SVG nests elements more than ${MAX_SVG_DEPTH} levels deep.`);
      }
      if (!root) {
        if (localName(name) !== 'svg') throw new ValidationError('The image is not an SVG.');
        root = { start: lt, end: gt + 1, selfClosing, attrs };
      } else if (open) {
        if (name === open.name && !selfClosing) open.depth++;
      } else if (wanted.has(name)) {
        if (selfClosing) elements.push({ name, start: lt, end: gt + 1, attrs, body: undefined });
        else open = { name, start: lt, attrs, bodyStart: gt + 1, depth: 1 };
      }
      i = gt + 1;
    }
  }
  if (!root) throw new ValidationError('The image is not an SVG.');
  return { root, elements };
}

/** `<!DOCTYPE …>` without an internal subset is skipped; any declaration of entities or elements is refused. */
function skipDeclaration(text: string, lt: number): number {
  if (DECLARATION.test(text.slice(lt, lt + 12))) {
    throw new UnprocessableEntityError('The SVG declares entities or a DTD; such declarations are refused.');
  }
  if (!/^<!DOCTYPE/i.test(text.slice(lt, lt + 9))) {
    throw new ValidationError('The SVG is malformed: unknown <! construct.');
  }
  const end = closingGt(text, lt + 9, true);
  if (end < 0) throw new ValidationError('The SVG is malformed: unterminated DOCTYPE.');
  if (text[end] === '[') {
    throw new UnprocessableEntityError(
      'The SVG has a DOCTYPE with an internal subset (entity declarations); such files are refused.',
    );
  }
  return end + 1;
}
