import { describe, expect, it } from 'vitest';
import { findAssetReferences, replaceAssetReferences } from '../../../src/rendering/asset-references.js';

const raws = (text: string, kind: 'html' | 'css') => findAssetReferences(text, kind).map((r) => r.raw);

describe('asset references', () => {
  it('finds quoted src attributes and CSS url()s, in document order', () => {
    const html = `<img src="/i/a.png"><div style="background: url('/i/b.png')"></div><img alt=x SRC='https://h/i/c.svg'><style>.x{background:url(/i/d.png)}</style>`;
    expect(raws(html, 'html')).toEqual(['/i/a.png', '/i/b.png', 'https://h/i/c.svg', '/i/d.png']);
    expect(raws('.a { background: url( "/i/e.png" ) } .b { mask: url(/i/f.png) }', 'css')).toEqual([
      '/i/e.png',
      '/i/f.png',
    ]);
  });

  it('leaves to the interceptor what it cannot read plainly: srcset, unquoted, entity-encoded, data-src, src in text', () => {
    const html = `<img srcset="/i/a.png 2x"><img src=/i/b.png><img src="/i/c&amp;d.png"><img data-src="/i/e.png"><p>src="/i/f.png" is text</p>`;
    expect(raws(html, 'html')).toEqual([]);
    expect(raws('src="/i/a.png"', 'css')).toEqual([]);
    expect(raws('.a { background: url(/i/a\\29.png) }', 'css')).toEqual([]);
  });

  it('replaces the answered references and keeps the rest as written', () => {
    const html = `<img src="/i/a.png"><img src="/i/b.png"><img src="/i/a.png">`;
    const out = replaceAssetReferences(html, findAssetReferences(html, 'html'), (raw) =>
      raw === '/i/a.png' ? 'data:image/png;base64,QQ==' : undefined,
    );
    expect(out).toBe(
      `<img src="data:image/png;base64,QQ=="><img src="/i/b.png"><img src="data:image/png;base64,QQ==">`,
    );
  });

  it('a url() written inside a src value is one reference, replaced once', () => {
    const html = `<img src="url(/i/a.png)">`;
    const refs = findAssetReferences(html, 'html');
    expect(replaceAssetReferences(html, refs, (raw) => `[${raw}]`)).toBe(`<img src="[url(/i/a.png)]">`);
  });
});
