/**
 * The XML side of SVG sanitizing: a strict parser of a well-formed XML subset without DTDs into an
 * element tree, and its serializer. Both iterative (no recursion), within MAX_SVG_DEPTH and
 * MAX_SVG_ELEMENTS.
 */

export class SvgRejectedError extends Error {}
/** Well-formed, but beyond what we process (too deep, too many elements, too slow): 422, not 400. */
export class SvgLimitError extends SvgRejectedError {}
/** Nested deeper than {@link MAX_SVG_DEPTH}. */
export class SvgTooDeepError extends SvgLimitError {}

/**
 * Elements nested deeper than this are refused. Drawings rarely pass 30; the limit only has to
 * keep hostile nesting (100 000 deep) from costing more than a linear pass.
 */
export const MAX_SVG_DEPTH = 400;
/** Elements in all: a detailed badge has hundreds; 5 MiB of `<g/>` would be 1.3 million (~10 s). */
export const MAX_SVG_ELEMENTS = 100_000;

export interface ElementNode {
  name: string;
  attrs: Array<[string, string]>;
  children: Node[];
}
export type Node = ElementNode | { text: string };

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// ---------------------------------------------------------------------------------------------
// Parsing (strict, well-formed XML subset without DTDs)

// Sticky (`y`): matched at a position of the whole text, so no per-tag copy of the rest of it.
const NAME = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;
const SPACES = /\s*/y;
const EQUALS = /\s*=\s*/y;

function matchAt(re: RegExp, src: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(src);
}

export function parse(src: string): ElementNode {
  let i = 0;
  let root: ElementNode | undefined;
  let elements = 0;
  const stack: ElementNode[] = [];
  const fail = (why: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new SvgRejectedError(`Malformed SVG (line ${line}): ${why}.`);
  };

  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (src.startsWith('<![CDATA[', i)) {
      const end = src.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA section');
      if (!stack.length) fail('text outside the root element');
      stack[stack.length - 1].children.push({ text: src.slice(i + 9, end) });
      i = end + 3;
    } else if (src.startsWith('<!', i)) {
      if (/^<!(DOCTYPE|ENTITY)/i.test(src.slice(i, i + 9))) {
        throw new SvgRejectedError(
          'SVG with a DOCTYPE or ENTITY declaration is refused (entity expansion and external entities).',
        );
      }
      fail('unexpected markup declaration');
    } else if (src.startsWith('<?', i)) {
      const end = src.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (src.startsWith('</', i)) {
      const m = matchAt(NAME, src, i + 2);
      if (!m) fail('bad closing tag');
      const name = m![0];
      i += 2 + name.length;
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '>') fail(`bad closing tag </${name}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name ?? '(nothing)'}>`);
    } else if (src[i] === '<') {
      const m = matchAt(NAME, src, i + 1);
      if (!m) fail('bad tag');
      const el: ElementNode = { name: m![0], attrs: [], children: [] };
      i += 1 + el.name.length;
      let selfClosing = false;
      for (;;) {
        const ws = matchAt(SPACES, src, i)![0].length;
        i += ws;
        if (src.startsWith('/>', i)) {
          selfClosing = true;
          i += 2;
          break;
        }
        if (src[i] === '>') {
          i++;
          break;
        }
        if (ws === 0) fail(`expected whitespace between attributes of <${el.name}>`);
        const an = matchAt(NAME, src, i);
        if (!an) fail(`bad attribute in <${el.name}>`);
        i += an![0].length;
        const eq = matchAt(EQUALS, src, i);
        if (!eq) fail(`attribute ${an![0]} of <${el.name}> has no value`);
        i += eq![0].length;
        const quote = src[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${an![0]} of <${el.name}> is not quoted`);
        const end = src.indexOf(quote, i + 1);
        if (end < 0) fail('unterminated attribute value');
        const raw = src.slice(i + 1, end);
        if (raw.includes('<')) fail(`"<" in the value of ${an![0]}`);
        if (el.attrs.some(([n]) => n === an![0])) fail(`duplicate attribute ${an![0]}`);
        el.attrs.push([an![0], decodeEntities(raw, fail)]);
        i = end + 1;
      }
      if (++elements > MAX_SVG_ELEMENTS) {
        throw new SvgLimitError(`The SVG has more than ${MAX_SVG_ELEMENTS} elements; simplify the drawing.`);
      }
      if (stack.length >= MAX_SVG_DEPTH) {
        throw new SvgTooDeepError(
          `SVG elements are nested more than ${MAX_SVG_DEPTH} levels deep; flatten the drawing.`,
        );
      }
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) fail('more than one root element');
      else root = el;
      if (!selfClosing) stack.push(el);
    } else {
      const end = src.indexOf('<', i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      if (stack.length) stack[stack.length - 1].children.push({ text: decodeEntities(raw, fail) });
      else if (raw.trim()) fail('text outside the root element');
      i = end < 0 ? src.length : end;
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1].name}> is not closed`);
  if (!root) fail('no root element');
  return root!;
}

function decodeEntities(raw: string, fail: (why: string) => never): string {
  return raw.replace(/&([^;\s&<]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) fail('"&" must start an entity reference');
    if (body in PREDEFINED_ENTITIES) return PREDEFINED_ENTITIES[body];
    const num = /^#(?:x([0-9a-fA-F]+)|(\d+))$/.exec(body);
    if (num) {
      const cp = num[1] ? parseInt(num[1], 16) : parseInt(num[2], 10);
      if (cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return String.fromCodePoint(cp);
      fail(`invalid character reference &${body};`);
    }
    return fail(`undefined entity &${body};`);
  });
}

// ---------------------------------------------------------------------------------------------
// Serialization

const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) =>
  escText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

/** XML text of an element tree, built with an explicit stack (no recursion). */
export function serialize(root: ElementNode): string {
  const out: string[] = [];
  const stack: Array<{ el: ElementNode; next: number }> = [];
  const open = (el: ElementNode) => {
    const attrs = el.attrs.map(([n, v]) => ` ${n}="${escAttr(v)}"`).join('');
    if (el.children.length === 0) return void out.push(`<${el.name}${attrs}/>`);
    out.push(`<${el.name}${attrs}>`);
    stack.push({ el, next: 0 });
  };
  open(root);
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.next >= frame.el.children.length) {
      out.push(`</${frame.el.name}>`);
      stack.pop();
      continue;
    }
    const child = frame.el.children[frame.next++];
    if ('text' in child) out.push(escText(child.text));
    else open(child);
  }
  return out.join('');
}
