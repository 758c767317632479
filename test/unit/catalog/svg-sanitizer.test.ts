import { describe, expect, it } from 'vitest';
import {
  looksLikeSvg,
  MAX_SVG_DEPTH,
  MAX_SVG_ELEMENTS,
  sanitizeSvg,
  SvgLimitError,
  SvgRejectedError,
  SvgTooDeepError,
} from '../../../src/catalog/svg-sanitizer.js';

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const clean = (s: string) => sanitizeSvg(Buffer.from(s)).svg;
const refused = (s: string | Buffer) => {
  try {
    sanitizeSvg(typeof s === 'string' ? Buffer.from(s) : s);
  } catch (e) {
    expect(e).toBeInstanceOf(SvgRejectedError);
    return (e as Error).message;
  }
  throw new Error('expected the SVG to be refused');
};

describe('sanitizeSvg', () => {
  it('keeps ordinary drawing markup and declares the namespaces on the root', () => {
    const out = clean(
      `<svg ${NS} viewBox="0 0 10 10"><g id="a"><circle cx="5" cy="5" r="4" fill="#c00"/><text x="1" y="9">Hi &amp; bye</text></g></svg>`,
    );
    expect(out).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><g id="a"><circle cx="5" cy="5" r="4" fill="#c00"/><text x="1" y="9">Hi &amp; bye</text></g></svg>',
    );
  });

  it('removes script, foreignObject, animation and unknown or foreign-namespace elements with their content', () => {
    const out = clean(
      `<svg ${NS} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"><g><script><![CDATA[alert(1)]]></script></g><svg:script>alert(2)</svg:script>` +
        `<foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(3)"/></body></foreignObject>` +
        `<a href="#x"><set attributeName="href" to="javascript:alert(4)"/><animate attributeName="href" values="javascript:alert(5)"/></a>` +
        `<inkscape:namedview/><iframe src="https://evil.example"/><rect width="1" height="1"/></svg>`,
    );
    expect(out).not.toMatch(/alert|script|foreignObject|<set|<animate|inkscape|iframe|evil/);
    expect(out).toContain('<a href="#x"/>');
    expect(out).toContain('<rect width="1" height="1"/>');
    expect(sanitizeSvg(Buffer.from(`<svg ${NS}><script>x</script></svg>`)).removed).toEqual(['<script>']);
  });

  it('removes on* attributes in any case', () => {
    const out = clean(`<svg ${NS} onload="a()" ONLOAD="b()"><rect onClick="c()" onmouseover="d()" width="2"/></svg>`);
    expect(out).not.toMatch(/on(load|click|mouseover)/i);
    expect(out).toContain('<rect width="2"/>');
  });

  it('keeps #fragment and data: raster references, removes every other href / xlink:href', () => {
    const out = clean(
      `<svg ${NS} xmlns:xlink="http://www.w3.org/1999/xlink">` +
        `<use href="#shape"/><use xlink:href="#shape2"/><use href="https://evil.example/sprite.svg#a"/>` +
        `<image href="data:image/png;base64,iVBORw0KGgo="/><image href="data:image/svg+xml;base64,PHN2Zz4="/>` +
        `<image xlink:href="//evil.example/t.png"/><image href="file:///etc/passwd"/>` +
        `<a href=" java&#x09;script:alert(1)"><text>x</text></a><a xlink:href="jav&#97;script:alert(1)"/></svg>`,
    );
    expect(out).toContain('<use href="#shape"/>');
    expect(out).toContain('<use xlink:href="#shape2"/>');
    expect(out).toContain('<image href="data:image/png;base64,iVBORw0KGgo="/>');
    expect(out).not.toMatch(/evil|svg\+xml|file:|script:/);
    expect(out.match(/<use/g)).toHaveLength(3);
    expect(out.match(/<image\/>/g)).toHaveLength(3);
  });

  it('removes url() to the outside from attributes, style attributes and <style>', () => {
    const out = clean(
      `<svg ${NS}><rect fill="url(#grad)" stroke="url(https://evil.example/a)"/>` +
        `<rect style="fill:url('http://evil.example/b.png')"/><rect style="fill: red"/>` +
        `<rect style="fill: u\\72l(http://evil.example/c)"/>` +
        `<style>@import url("https://evil.example/x.css");\n.a { fill: url(#g); background-image: url( 'https://evil.example/d.png' ) }</style>` +
        `<style>.b { background: u\\72l(https://evil.example/e.png) }</style></svg>`,
    );
    expect(out).not.toContain('evil');
    expect(out).not.toContain('@import');
    expect(out).toContain('<rect fill="url(#grad)"/>');
    expect(out).toContain('<rect style="fill: red"/>');
    expect(out).toContain('.a { fill: url(#g); background-image: none }');
    // the <style> with escapes is emptied, so dropped
    expect(out.match(/<style>/g)).toHaveLength(1);
  });

  it('drops comments and processing instructions such as <?xml-stylesheet?>', () => {
    const out = clean(
      `<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/s.css"?><!-- hi --><svg ${NS}><!-- there --><g/></svg>`,
    );
    expect(out).toBe('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g/></svg>');
  });

  it('re-escapes text and attribute values, and is idempotent', () => {
    const src = `<svg ${NS}><title>&lt;script&gt;alert(1)&lt;/script&gt;</title><text data-x="a&quot;b&lt;c" x='1"'>1 &#x3C; 2</text></svg>`;
    const once = clean(src);
    expect(once).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(once).toContain('data-x="a&quot;b&lt;c"');
    expect(once).toContain('x="1&quot;"');
    expect(once).toContain('>1 &lt; 2</text>');
    expect(clean(once)).toBe(once);
  });

  it('refuses DOCTYPE / ENTITY, undefined entities, malformed XML, non-UTF-8 and a non-svg root', () => {
    expect(refused(`<!DOCTYPE svg [<!ENTITY lol "lol">]><svg ${NS}>&lol;</svg>`)).toMatch(/DOCTYPE or ENTITY/);
    expect(
      refused(
        `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg ${NS}/>`,
      ),
    ).toMatch(/DOCTYPE/);
    expect(refused(`<svg ${NS}><text>&nbsp;</text></svg>`)).toMatch(/undefined entity &nbsp;/);
    expect(refused(`<svg ${NS}><text>a & b</text></svg>`)).toMatch(/entity reference/);
    expect(refused(`<svg ${NS}><g></svg>`)).toMatch(/does not close <g>/);
    expect(refused(`<svg ${NS}><g>`)).toMatch(/not closed/);
    expect(refused(`<svg ${NS} width=10/>`)).toMatch(/not quoted/);
    expect(refused(`<svg ${NS} a="1" a="2"/>`)).toMatch(/duplicate attribute/);
    expect(refused(`<svg ${NS}/><svg ${NS}/>`)).toMatch(/more than one root/);
    expect(refused(`<svg ${NS}/>trailing`)).toMatch(/outside the root/);
    expect(refused(Buffer.from([0x3c, 0x73, 0x76, 0x67, 0xff, 0xfe, 0x3e]))).toMatch(/UTF-8/);
    expect(refused('<html><body/></html>')).toMatch(/root element must be <svg>/);
  });
});

describe('sanitizeSvg nesting depth', () => {
  /** Elements nested `depth` deep, the root and the innermost leaf counted: <svg><g>…<rect/>…</g></svg>. */
  const nested = (depth: number, leaf = '<rect width="1"/>') =>
    `<svg ${NS}>${'<g>'.repeat(depth - 2)}${leaf}${'</g>'.repeat(depth - 2)}</svg>`;

  it(`keeps a drawing nested ${MAX_SVG_DEPTH} deep, whole, and cleans it at every level`, () => {
    expect(MAX_SVG_DEPTH).toBe(400);
    const out = sanitizeSvg(Buffer.from(nested(400, '<script>x</script><rect onload="a()" width="1"/>')));
    expect(out.svg.match(/<g>/g)).toHaveLength(398);
    expect(out.svg.match(/<\/g>/g)).toHaveLength(398);
    expect(out.svg).toContain(`${'<g>'.repeat(398)}<rect width="1"/>${'</g>'.repeat(398)}</svg>`);
    expect(out.removed).toEqual(['<script>', 'onload=']);
  });

  it('refuses 401 levels with a clear reason', () => {
    const err = (() => {
      try {
        sanitizeSvg(Buffer.from(nested(401)));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SvgTooDeepError);
    expect(err).toBeInstanceOf(SvgRejectedError);
    expect((err as Error).message).toMatch(/nested more than 400 levels/);
    // a self-closing leaf is a level too; text is not
    expect(() => sanitizeSvg(Buffer.from(nested(401, '<rect/>')))).toThrow(SvgTooDeepError);
    expect(() => sanitizeSvg(Buffer.from(nested(401, 'text')))).not.toThrow();
  });

  it('refuses 100,000 levels quickly, without a stack overflow', () => {
    const t0 = performance.now();
    expect(() => sanitizeSvg(Buffer.from(nested(100_000)))).toThrow(SvgTooDeepError);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a wide drawing (99,999 siblings, ~5 MB) is cleaned in one linear pass; one element more is refused', () => {
    const wide = (n: number) => `<svg ${NS}>${'<rect x="1" y="2" width="3" height="4" fill="#abc"/>'.repeat(n)}</svg>`;
    expect(MAX_SVG_ELEMENTS).toBe(100_000);
    const t0 = performance.now();
    const out = sanitizeSvg(Buffer.from(wide(99_999)));
    expect(out.svg.match(/<rect /g)).toHaveLength(99_999);
    // measured ~0.5–2.5 s on a loaded 2-core machine; quadratic work would take minutes
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(() => sanitizeSvg(Buffer.from(wide(100_000)))).toThrow(/more than 100000 elements/);
    expect(() => sanitizeSvg(Buffer.from(wide(100_000)))).toThrow(SvgLimitError);
  });
});

describe('looksLikeSvg', () => {
  it('recognizes an svg root after a BOM, prolog, comments or a doctype', () => {
    expect(looksLikeSvg(Buffer.from(`\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<svg ${NS}/>`))).toBe(true);
    expect(
      looksLikeSvg(Buffer.from(`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg ${NS}></svg>`)),
    ).toBe(true);
    expect(looksLikeSvg(Buffer.from('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>'))).toBe(true);
  });
  it('rejects other documents', () => {
    expect(looksLikeSvg(Buffer.from('<html><svg/></html>'))).toBe(false);
    expect(looksLikeSvg(Buffer.from('hello <svg>'))).toBe(false);
    expect(looksLikeSvg(Buffer.from('<svgfoo/>'))).toBe(false);
  });
});
