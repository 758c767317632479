import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildCertificateDocument,
  buildDocument,
  compiledTemplateCacheSize,
  contentSecurityPolicy,
  renderTemplate,
} from '../../../src/template/template.js';
import {
  buildTemplateContext,
  templateTagsMarkdown,
  type TemplateContext,
} from '../../../src/template/template-context.js';
import { defaultCertificateTemplate } from '../../../src/template/default-template.js';
import { FONT_CSS_URL, fontFaceCss } from '../../../src/template/font-faces.js';
import { loadFont } from '../../../src/rendering/fonts.js';
import { JobHosts } from '../../../src/rendering/job-hosts.js';
import {
  DEFAULT_PAGE_SIZE,
  pageSizeFromCss,
  pageSizeOfDocument,
  viewportFor,
} from '../../../src/rendering/page-size.js';

async function ctx(recipientName = 'Ada Lovelace'): Promise<TemplateContext> {
  return buildTemplateContext({
    recipient: { name: recipientName, email: 'ada@example.org' },
    credential: { name: 'Data Analysis', description: 'Awarded for analysis.' },
    issuer: { name: 'Example University' },
    issuedOn: '2026-11-24T09:30:00Z',
    expires: null,
    signatories: [{ name: 'Grace Hopper', title: 'Dean' }],
    verificationUrl: 'https://badges.example.test/api/credentials/public/assertions/abc/',
    assertionId: 'abc',
    fields: { grade: 'A' },
    fieldLabels: { grade: 'Final grade' },
  });
}

describe('renderTemplate', () => {
  it('HTML-escapes every merge value', async () => {
    const { html } = renderTemplate(
      '<h1>{{recipient.name}}</h1><p title="{{recipient.name}}">x</p>',
      '',
      await ctx('<script>alert(1)</script>" onload="x'),
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload&#x3D;&quot;x');
  });

  it('gives no access to prototypes', async () => {
    const { html } = renderTemplate(
      '[{{constructor.name}}][{{__proto__}}][{{recipient.constructor}}][{{recipient.__proto__.toString}}][{{lookup recipient "constructor"}}][{{#with recipient.constructor}}{{name}}{{/with}}][{{recipient.hasOwnProperty}}]',
      '',
      await ctx(),
    );
    expect(html).toBe('[][][][][][][]');
  });

  it('formats dates, fills custom fields and the QR code', async () => {
    const c = await ctx();
    expect(c.issued_on).toBe('November 24, 2026');
    expect(c.expires).toBe('');
    expect(c.qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(c.qr_code.split(',')[1], 'base64').toString()).toContain('<svg');
    const { html } = renderTemplate(
      '{{formatDate issued_on_iso "short"}}|{{formatDate issued_on_iso "iso"}}|{{formatDate issued_on_iso "long" locale="de-DE"}}|{{#each credential.fields}}{{label}}:{{value}}{{/each}}|{{fields.grade}}|{{#if (eq fields.grade "A")}}top{{/if}}|{{default expires "never"}}|{{upper issuer.name}}',
      '',
      c,
    );
    expect(html).toBe('11/24/26|2026-11-24|24. November 2026|Final grade:A|A|top|never|EXAMPLE UNIVERSITY');
  });

  it('keeps the QR data URL valid inside an escaped attribute', async () => {
    const c = await ctx();
    const { html } = renderTemplate('<img src="{{qr_code}}">', '', c);
    const src = /src="([^"]*)"/.exec(html)![1].replace(/&#x3D;/g, '=');
    expect(src).toBe(c.qr_code);
  });

  it('sanitizes values merged into CSS', async () => {
    const c = await ctx();
    c.fields.colour = 'red; background: url(http://evil/x) }';
    const { css } = renderTemplate('<p></p>', '.a { color: {{fields.colour}}; }', c);
    const merged = css.slice('.a { color: '.length, -'; }'.length);
    expect(merged).toBe('red background urlhttpevilx ');
    expect(merged).not.toMatch(/[;:(){}"'\\/]/);
  });

  it('turns links whose merged value is not http(s), mailto, tel or relative into #', async () => {
    const c = await ctx();
    const cases: Record<string, string> = {
      bad: 'javascript:app.alert(1)',
      spaced: ' java\tscript:alert(1)',
      vb: 'VBScript:x',
      file: 'file:///etc/passwd',
      web: 'https://portfolio.example/ada',
      mail: 'mailto:ada@example.org',
      rel: '/v/abc',
    };
    Object.assign(c.fields, cases);
    const html =
      Object.keys(cases)
        .map((k) => `<a href="{{fields.${k}}}">${k}</a>`)
        .join('') + "<a href={{fields.bad}}>u</a><area href='{{fields.file}}'>";
    const out = renderTemplate(html, '', c).html;
    expect(out).toBe(
      '<a href="#">bad</a><a href="#">spaced</a><a href="#">vb</a><a href="#">file</a>' +
        '<a href="https://portfolio.example/ada">web</a><a href="mailto:ada@example.org">mail</a><a href="/v/abc">rel</a>' +
        "<a href=#>u</a><area href='#'>",
    );
  });

  it('caches compiled templates by content hash', async () => {
    const c = await ctx();
    const before = compiledTemplateCacheSize();
    renderTemplate('<p>{{recipient.name}} cache-test</p>', '', c);
    renderTemplate('<p>{{recipient.name}} cache-test</p>', '', c);
    expect(compiledTemplateCacheSize()).toBe(before + 1);
  });
});

describe('buildDocument', () => {
  it('puts a strict CSP first in the head and neutralizes </style in CSS', () => {
    const doc = buildDocument('<p>x</p>', 'a{}</style><script>1</script>', {
      assetPrefixes: ['https://badges.example.test/api/credentials/public/images/'],
    });
    const head = doc.slice(0, doc.indexOf('</head>'));
    expect(head.indexOf('Content-Security-Policy')).toBeLessThan(head.indexOf('<base'));
    expect(head.indexOf('Content-Security-Policy')).toBeLessThan(head.indexOf('<style'));
    expect(doc).toContain('<base href="https://badges.example.test/">');
    expect(doc).not.toContain('</style><script>');
    const csp = contentSecurityPolicy(['https://badges.example.test/api/credentials/public/images/']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('img-src https://badges.example.test/api/credentials/public/images/ data:');
    expect(csp).toContain("script-src 'none'");
  });

  it('builds the full certificate document from the default template', async () => {
    const t = defaultCertificateTemplate();
    const doc = buildCertificateDocument(t.htmlTemplate, t.cssTemplate, await ctx(), {
      assetPrefixes: ['https://badges.example.test/api/credentials/public/images/'],
    });
    expect(doc).toMatch(/^<!DOCTYPE html>/);
    expect(doc).toContain('Ada Lovelace');
    expect(doc).toContain("font-family: 'Inter'");
  });

  it('links the bundled @font-face sheet instead of writing it in when asked (the renderer), and its CSP allows that URL alone', () => {
    const prefix = 'https://badges.example.test/api/credentials/public/images/';
    const inline = buildDocument('<p>x</p>', '', { assetPrefixes: [prefix] });
    const linked = buildDocument('<p>x</p>', '', { assetPrefixes: [prefix], fontCssUrl: FONT_CSS_URL });
    expect(inline).toContain('@font-face');
    expect(linked).not.toContain('@font-face');
    expect(linked).toContain(`<link rel="stylesheet" href="${FONT_CSS_URL}">`);
    // the interceptor answers it with the same rules; the page's CSP lets exactly that sheet in
    const sheet = loadFont(FONT_CSS_URL);
    expect(sheet?.contentType).toMatch(/^text\/css/);
    expect(sheet?.body.toString()).toBe(fontFaceCss());
    const styleSrc = new JobHosts(prefix).pageCsp.split('; ').find((d) => d.startsWith('style-src'));
    expect(styleSrc).toBe(`style-src 'unsafe-inline' ${FONT_CSS_URL}`);
    // a document carrying its CSP as a meta lets in the sheet it links, and only with the link
    expect(linked).toContain(`style-src 'unsafe-inline' ${FONT_CSS_URL};`);
    expect(inline).toContain("style-src 'unsafe-inline';");
  });
});

describe('pageSizeFromCss', () => {
  it('reads @page size', () => {
    expect(viewportFor(pageSizeFromCss('@page { size: A4 landscape; margin: 0 }'))).toEqual({
      width: 1123,
      height: 794,
    });
    expect(viewportFor(pageSizeFromCss('@page { size: A4 }'))).toEqual({ width: 794, height: 1123 });
    expect(viewportFor(pageSizeFromCss('@page { margin: 0; size: letter landscape }'))).toEqual({
      width: 1056,
      height: 816,
    });
    expect(viewportFor(pageSizeFromCss('@page { size: 200mm 100mm }'))).toEqual({ width: 756, height: 378 });
    expect(pageSizeFromCss('body { color: red }')).toEqual(DEFAULT_PAGE_SIZE);
    expect(viewportFor(pageSizeFromCss(defaultCertificateTemplate().cssTemplate))).toEqual({
      width: 1123,
      height: 794,
    });
    // A <style> in the markup comes later in the document: its @page wins, as in Chromium's print.
    expect(
      viewportFor(pageSizeOfDocument('<style>@page{size:A5 portrait}</style><p>x</p>', '@page { size: A4 landscape }')),
    ).toEqual({ width: 559, height: 794 });
    expect(viewportFor(pageSizeOfDocument('<p>x</p>', '@page { size: A4 landscape }'))).toEqual({
      width: 1123,
      height: 794,
    });
  });
});

describe('templates/TEMPLATE-TAGS.md', () => {
  it('contains the generated tag table', () => {
    const md = readFileSync(new URL('../../../templates/TEMPLATE-TAGS.md', import.meta.url), 'utf8');
    expect(md).toContain(templateTagsMarkdown());
  });
});
