/**
 * The hostile template corpus: every spelling of a script URL we know of, in every URL attribute
 * and in CSS, refused when the template is saved AND defused when it is rendered (a template saved
 * before a check existed, or a merged value, still reaches the renderer).
 *
 * The render-time assertion does not reuse the code under test: it decodes the whole merged output
 * with `entities` (the full HTML5 table) and CSS escapes, removes every control, format and space
 * character, and looks for `javascript:` / `vbscript:` anywhere.
 */
import { decodeHTML } from 'entities';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { assetUrlPrefixes, checkTemplates } from '../../../src/template/template-check.js';
import { buildTemplateContext, type TemplateContext } from '../../../src/template/template-context.js';
import { neutralizeMarkup } from '../../../src/template/html-scan.js';
import { renderTemplate } from '../../../src/template/template.js';

const prefixes = assetUrlPrefixes('https://badges.example.test');

function problems(htmlTemplate: string, cssTemplate?: string): string[] {
  try {
    checkTemplates({ htmlTemplate, cssTemplate, assetPrefixes: prefixes });
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).validationErrors ?? [];
  }
}

/** What a browser could still read as a script URL anywhere in the text. */
function scriptUrlsIn(text: string): string[] {
  const cssDecoded = (s: string) =>
    s.replace(/\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)/g, (_m, hex: string | undefined, ch: string | undefined) =>
      hex ? String.fromCodePoint(parseInt(hex, 16) || 0xfffd) : (ch ?? ''),
    );
  // decode twice: an entity inside a style attribute can spell a CSS escape, and the other way round
  const readings = [
    text,
    decodeHTML(text),
    cssDecoded(text),
    cssDecoded(decodeHTML(text)),
    decodeHTML(cssDecoded(text)),
  ];
  const found: string[] = [];
  for (const r of readings) {
    const squeezed = r.replace(/[\p{Cc}\p{Cf}\p{Z}]/gu, '').toLowerCase();
    for (const m of squeezed.matchAll(/(javascript|vbscript):/g))
      found.push(squeezed.slice(Math.max(0, (m.index ?? 0) - 20), (m.index ?? 0) + 30));
  }
  return found;
}

/** Script URLs as written in a template's markup (character references are decoded in attributes). */
const MARKUP_SPELLINGS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java&Tab;script:alert(1)',
  'java&NewLine;script:alert(1)',
  'javascript&colon;alert(1)',
  'jAvAsCrIpT&colon;alert(1)',
  'java&#x09;script:alert(1)',
  'java&#x09script:alert(1)',
  'jav&#x0A;ascript:alert(1)',
  'jav&#x0D;ascript:alert(1)',
  '&#0000106;avascript:alert(1)',
  '&#106;avascript:alert(1)',
  '&#106avascript:alert(1)',
  '&#x6A;avascript:alert(1)',
  '&#x6a&#x61&#x76&#x61script:alert(1)',
  'javascript&#58;alert(1)',
  'javascript&#x3a;alert(1)',
  '&Tab;javascript:alert(1)',
  ' \t javascript:alert(1)',
  '&#x01;javascript:alert(1)',
  '&#14;  javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'javascript\n:alert(1)',
  'java&#8203;script:alert(1)',
  'vbscript:msgbox(1)',
  'VBScript:msgbox(1)',
  'vb&Tab;script:msgbox(1)',
];

/** Script URLs as written in CSS (escapes), for url() in css_template and <style>. */
const CSS_SPELLINGS = [
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  '\\6a avascript:alert(1)',
  '\\6A\\61 vascript:alert(1)',
  '\\00006a avascript:alert(1)',
  'java\\9 script:alert(1)',
  'java\\a script:alert(1)',
  '\\j\\61 v\\61 s\\63 ript:alert(1)',
  '  javascript:alert(1)',
  'vbscript:msgbox(1)',
];

/** Where a URL goes in markup; `X` is the URL. */
const MARKUP_CONTEXTS = [
  '<a href="X">a</a>',
  "<a href='X'>a</a>",
  '<area href="X">',
  '<img src="X">',
  '<img srcset="X 1x">',
  '<form action="X"></form>',
  '<button formaction="X">b</button>',
  '<svg><a xlink:href="X"><text>t</text></a></svg>',
  '<svg><a href="X"><text>t</text></a></svg>',
  '<svg><image href="X"/></svg>',
  '<video poster="X"></video>',
  '<blockquote cite="X">q</blockquote>',
  '<div style="background:url(X)">d</div>',
  '<div style="background:url(\'X\')">d</div>',
  '<svg><rect fill="url(X)"/></svg>',
];
/** Where a URL goes in CSS text. */
const CSS_CONTEXTS = [
  '.a{background:url(X)}',
  '.a{background:url("X")}',
  '.a{background:\\75 rl(X)}',
  '.a{background:image-set("X" 1x)}',
  '.a{cursor:url(X),auto}',
];

const corpus: Array<{ name: string; html: string; css?: string }> = [];
for (const ctx of MARKUP_CONTEXTS)
  for (const s of MARKUP_SPELLINGS) corpus.push({ name: `${ctx} ← ${JSON.stringify(s)}`, html: ctx.replace('X', s) });
for (const ctx of CSS_CONTEXTS) {
  for (const s of CSS_SPELLINGS) {
    const css = ctx.replace('X', s);
    corpus.push({ name: `css_template ${css}`, html: '<p>x</p>', css });
    corpus.push({ name: `<style> ${css}`, html: `<style>${css}</style><p>x</p>` });
    corpus.push({ name: `<svg><style> ${css}`, html: `<svg><style>${css}</style></svg>` });
  }
}
// character references spell CSS escapes and the other way round in attributes
for (const s of [
  '&#x5c;6a avascript:alert(1)',
  '&bsol;6a avascript:alert(1)',
  '\\6a&Tab;avascript:alert(1)',
  '\\6a avascript&colon;alert(1)',
]) {
  corpus.push({ name: `style= ${s}`, html: `<div style="background:url(${s})">d</div>` });
}

let context: TemplateContext;
async function ctx(): Promise<TemplateContext> {
  context ??= await buildTemplateContext({
    recipient: { name: 'Ada Lovelace' },
    credential: { name: 'Data Analysis' },
    issuer: { name: 'Example University' },
    issuedOn: '2026-11-24T09:30:00Z',
    verificationUrl: 'https://badges.example.test/v/abc',
    assertionId: 'abc',
  });
  return structuredClone(context);
}

describe('script URLs in every spelling and every URL place', () => {
  it(`the corpus has ${corpus.length} templates, each a script URL to a browser before the fix`, () => {
    expect(corpus.length).toBeGreaterThan(400);
    // the oracle sees every one of them (else the render assertion below would prove nothing)
    for (const t of corpus) expect(scriptUrlsIn(t.html + (t.css ?? '')), t.name).not.toEqual([]);
  });

  it('refuses each one at save time', () => {
    const accepted = corpus.filter((t) => problems(t.html, t.css).length === 0).map((t) => t.name);
    expect(accepted).toEqual([]);
  });

  it('names the script URL in the message for the plain attribute forms', () => {
    for (const s of MARKUP_SPELLINGS) {
      expect(problems(`<a href="${s}">a</a>`).join('\n'), s).toMatch(/(javascript|vbscript): URLs are not allowed/);
      expect(problems(`<form action="${s}"></form>`).join('\n'), s).toMatch(
        /(javascript|vbscript): URLs are not allowed/,
      );
      expect(problems(`<p title="${s}">a</p>`).join('\n'), s).toMatch(/title= uses a (javascript|vbscript): URL/);
    }
    expect(problems('<p></p>', '.a{background:url(\\6a avascript:alert(1))}').join('\n')).toMatch(
      /javascript: URLs are not allowed/,
    );
  });

  it('defuses each one at render time, when the template is merged', async () => {
    const c = await ctx();
    const survived: string[] = [];
    for (const t of corpus) {
      const { html, css } = renderTemplate(t.html, t.css, c);
      if (scriptUrlsIn(html + css).length) survived.push(`${t.name} → ${html} ${css}`);
    }
    expect(survived).toEqual([]);
  });

  it('defuses script URLs that merged values bring, in every URL attribute', async () => {
    const values = [
      'javascript:alert(1)',
      '\u0001javascript:alert(1)',
      '\u00a0javascript:alert(1)',
      'JavaScript:alert(1)',
      'vbscript:msgbox(1)',
    ];
    // In an unquoted value a browser ends the URL at the first space: ' java\tscript:' is href="java"
    // there, and the rest an attribute name. Those values go to quoted places only.
    const spaced = [' java\tscript:alert(1)', 'JAVA\nSCRIPT:alert(1)', '\tjavascript:alert(1)'];
    const quoted = [
      '<a href="{{fields.x}}">a</a>',
      '<img src="{{fields.x}}">',
      "<img srcset='{{fields.x}} 2x'>",
      '<form action="{{fields.x}}"></form>',
      '<button formaction="{{fields.x}}">b</button>',
      '<svg><a xlink:href="{{fields.x}}"><text>t</text></a></svg>',
      '<div style="background:url({{fields.x}})">d</div>',
      '<div style="background:url(\'{{fields.x}}\')">d</div>',
      '<style>.a{background:url({{fields.x}})}</style>',
      '<a href="java{{fields.empty}}script:alert(1)">a</a>',
    ];
    const unquoted = [
      '<a href={{fields.x}}>a</a>',
      '<img src={{fields.x}} alt=x>',
      '<svg><image href={{fields.x}} /></svg>',
    ];
    const survived: string[] = [];
    const cases = [
      ...[...values, ...spaced].flatMap((v) => quoted.map((p) => [v, p])),
      ...values.flatMap((v) => unquoted.map((p) => [v, p])),
    ];
    for (const [value, place] of cases) {
      const c = await ctx();
      c.fields.x = value;
      c.fields.empty = '';
      const { html, css } = renderTemplate(place, '.b{background:url({{fields.x}})}', c);
      if (scriptUrlsIn(html + css).length) survived.push(`${place} ← ${JSON.stringify(value)} → ${html}`);
    }
    expect(cases.length).toBeGreaterThan(90);
    expect(survived).toEqual([]);
  });

  it('a merge value that would complete a script URL is refused at save time', () => {
    expect(problems('<a href="java{{fields.x}}script:alert(1)">a</a>').join('\n')).toMatch(/javascript: URLs/);
    expect(problems('<a href="{{fields.x}}javascript:alert(1)">a</a>').join('\n')).toMatch(/javascript: URLs/);
    expect(problems('<a href="{{fields.x}}">a</a><img src="{{credential.image}}">')).toEqual([]);
  });
});

describe('data: URLs', () => {
  it('are allowed for images and fonts in image attributes and CSS, nowhere else', () => {
    expect(
      problems(
        '<img src="data:image/png;base64,iVBORw0KGgo="><svg><image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>',
        '@font-face{src:url(data:font/woff2;base64,AA)}',
      ),
    ).toEqual([]);
    expect(problems('<a href="data:text/html,<b>x</b>">a</a>').join('\n')).toMatch(/data: URLs are not allowed here/);
    expect(problems('<a href="data:image/png;base64,AA">a</a>').join('\n')).toMatch(/data: URLs are not allowed here/);
    expect(problems('<form action="data:image/svg+xml,x"></form>').join('\n')).toMatch(
      /data: URLs are not allowed here/,
    );
    expect(problems('<img src="data:text/html,x">').join('\n')).toMatch(/only for images and fonts/);
    expect(problems('<img src="da&Tab;ta:text/html,x">').join('\n')).toMatch(/only for images and fonts/);
    expect(problems('<img src="&#x64;ata:application/javascript,x">').join('\n')).toMatch(/only for images and fonts/);
    expect(problems('<p></p>', '.a{background:url("data:text/html,x")}').join('\n')).toMatch(
      /only for images and fonts/,
    );
  });

  it('are kept or emptied at render time by the same rule', async () => {
    const c = await ctx();
    c.fields.page = 'data:text/html,<script>alert(1)</script>';
    const { html } = renderTemplate(
      '<img src="data:image/png;base64,iVBORw0KGgo="><a href="data:text/html,x">a</a><img src="{{fields.page}}"><form action="data:image/png,x"></form>',
      '',
      c,
    );
    expect(html).toBe(
      '<img src="data:image/png;base64,iVBORw0KGgo="><a href="#">a</a><img src=""><form action=""></form>',
    );
  });
});

describe('neutralizeMarkup', () => {
  it('leaves safe markup byte for byte', () => {
    const safe =
      '<a href="https://example.edu/a?b=1&amp;c=2">x</a><img src="/api/credentials/public/images/a.png" srcset="/i/a.png 1x, /i/b.png 2x">' +
      '<div style="background:url(/api/credentials/public/images/bg.png); color: red">d</div><style>.a{background:url("/x.png")}</style>' +
      '<a href="mailto:a@example.edu">m</a><a href="#top">t</a><p title="it&apos;s fine">p</p>';
    expect(neutralizeMarkup(safe)).toBe(safe);
  });

  it('cuts only the unsafe url() of a <style>, keeping the rest of the stylesheet', () => {
    expect(
      neutralizeMarkup(
        '<style>.a{color:red;background:url(javascript:x)}.b{background:image-set("vbscript:y" 1x)}</style>',
      ),
    ).toBe('<style>.a{color:red;background:url()}.b{background:image-set("" 1x)}</style>');
  });
});
