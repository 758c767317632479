import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { defaultCertificateTemplate } from '../../../src/template/default-template.js';
import {
  assetUrlPrefixes,
  checkTemplates,
  MAX_TEMPLATE_BYTES,
  urlProblem,
} from '../../../src/template/template-check.js';
import { isKnownTemplateTag, TEMPLATE_TAG_NAMES } from '../../../src/template/template-context.js';

const prefixes = assetUrlPrefixes('https://badges.example.test');

function errorsOf(htmlTemplate: string, cssTemplate?: string, allowedTags?: string[] | null): string[] {
  try {
    checkTemplates({ htmlTemplate, cssTemplate, allowedTags, assetPrefixes: prefixes });
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const ve = e as ValidationError;
    expect(ve.status).toBe(400);
    expect(ve.validationErrors?.length).toBeGreaterThan(0);
    return ve.validationErrors ?? [];
  }
  return [];
}
const ok = (html: string, css?: string, allowed?: string[] | null) => expect(errorsOf(html, css, allowed)).toEqual([]);
function fails(html: string, pattern: RegExp, css?: string, allowed?: string[] | null): string[] {
  const errs = errorsOf(html, css, allowed);
  expect(errs.join('\n')).toMatch(pattern);
  return errs;
}

describe('checkTemplates', () => {
  it('accepts the default certificate and reports the tags it uses', () => {
    const t = defaultCertificateTemplate();
    const r = checkTemplates({ ...t, assetPrefixes: prefixes });
    expect(r.tags).toEqual(
      expect.arrayContaining(['recipient.name', 'credential.name', 'qr_code', 'signatories.name', 'issuer.image']),
    );
    for (const tag of r.tags) expect(isKnownTemplateTag(tag)).toBe(true);
  });

  it('accepts scoped tags, block params, @root, lookup, helpers and custom fields', () => {
    ok(
      [
        '<h1>{{upper recipient.name}}</h1>',
        '{{#each signatories as |s i|}}<p>{{i}} {{s.name}} {{title}} {{@index}} {{@root.issuer.name}} {{../recipient.name}}</p>{{/each}}',
        '{{#with credential}}{{name}} {{#each fields}}{{label}}={{value}}{{/each}}{{/with}}',
        '{{#if (eq fields.grade "A")}}Top{{else}}{{default fields.grade "n/a"}}{{/if}}',
        '{{lookup fields "gpa"}} {{formatDate issued_on_iso "medium" locale="fr-FR"}}',
        '{{#unless expires}}No expiry{{/unless}} <img src="{{qr_code}}"> <a href="{{verification_url}}">verify</a>',
        '{{!-- a comment with {{unknown.tag}} --}}',
      ].join('\n'),
      '.x { color: {{fields.colour}}; }',
    );
  });

  it('rejects a syntax error and names the line', () => {
    const errs = fails(
      '<p>one</p>\n<p>two</p>\n{{#if recipient.name}}\n<p>x</p>\n{{/each}}',
      /html_template line 3: syntax error: if doesn't match each/,
    );
    expect(errs).toHaveLength(1);
    fails('<p>\n{{recipient.name</p>', /html_template line 2: syntax error/);
    fails('<p>ok</p>', /css_template line 3: syntax error/, 'a{}\nb{}\n{{#if x}}');
  });

  it('rejects unknown tags, with the line and a suggestion', () => {
    const errs = fails('<p>\n{{recipient.phone}}</p>', /html_template line 2: unknown merge tag "recipient.phone"/);
    expect(errs[0]).not.toMatch(/did you mean/);
    fails('{{recipient.Name}}', /did you mean "name"/);
    fails('{{#each signatories}}{{email}}{{/each}}', /unknown merge tag "signatories.email"/);
    fails('{{signatories.name}}', /is a list: use \{\{#each signatories\}\}/);
    fails('{{@foo}}', /unknown data variable "@foo"/);
  });

  it('rejects tags outside the issuer allowed_template_tags', () => {
    const allowed = ['recipient.name', 'credential.name', 'signatories.name', 'fields.grade'];
    ok(
      '{{recipient.name}} {{credential.name}} {{#each signatories}}{{name}}{{/each}} {{fields.grade}}',
      undefined,
      allowed,
    );
    const errs = fails(
      '<p>{{recipient.name}}</p>\n<p>{{recipient.email}}</p>',
      /html_template line 2: merge tag "recipient.email" is not allowed/,
      undefined,
      allowed,
    );
    expect(errs).toHaveLength(1);
    fails('{{#each signatories}}{{title}}{{/each}}', /"signatories.title" is not allowed/, undefined, allowed);
    fails('{{fields.gpa}}', /"fields.gpa" is not allowed/, undefined, allowed);
    ok('{{recipient.email}} {{fields.anything}}', undefined, ['recipient', 'fields.*']);
    // empty / null list = every tag
    ok('{{recipient.email}}', undefined, []);
    ok('{{recipient.email}}', undefined, null);
  });

  it('rejects helpers that do not exist (and wrong arity), partials and decorators', () => {
    fails('{{shout recipient.name}}', /line 1: unknown helper "shout"|"shout" is not a helper/);
    fails('{{#if (shout recipient.name)}}x{{/if}}', /unknown helper "shout"/);
    fails('{{#repeat 3}}x{{/repeat}}', /block \{\{#repeat\}\} is not allowed/);
    fails('{{log recipient.name}}', /"log" is not a helper|unknown helper "log"/);
    fails('{{eq recipient.name}}', /helper "eq" takes 2 argument/);
    fails('{{> header}}', /partials/);
    fails('{{#*inline "x"}}y{{/inline}}', /decorators/);
  });

  it('rejects triple-stash and unescaped output', () => {
    fails('{{{recipient.name}}}', /triple-stash/);
    fails('<img src="{{{qr_code}}}">', /triple-stash/);
    fails('{{& recipient.name}}', /triple-stash/);
  });

  it('rejects templates over 256 KiB', () => {
    const big = `<p>${'x'.repeat(MAX_TEMPLATE_BYTES)}</p>`;
    fails(big, /html_template: template is \d+ bytes \(max 262144/);
    fails('<p></p>', /css_template: template is \d+ bytes/, `/*${'y'.repeat(MAX_TEMPLATE_BYTES)}*/`);
  });

  it('rejects markup that loads from outside (src, href, srcset, poster, action, url(), @import)', () => {
    fails(
      '<p>a</p>\n<img src="http://evil.example/x.png">',
      /html_template line 2: <img src="http:\/\/evil.example\/x.png"> loads from outside/,
    );
    fails('<img src="https://badges.example.test.evil.com/api/credentials/public/images/x.png">', /loads from outside/);
    fails('<img src="//evil.example/x.png">', /protocol-relative/);
    fails('<img src="file:///etc/passwd">', /loads from outside/);
    fails('<img src="/etc/passwd">', /outside the service's images/);
    fails('<img src="/api/credentials/public/images/../../../admin">', /outside the service's images/);
    fails(
      '<img srcset="/api/credentials/public/images/a.png 1x, http://evil/b.png 2x">',
      /srcset="http:\/\/evil\/b.png"/,
    );
    fails('<video poster="https://evil/p.png"></video>', /poster/);
    fails('<form action="https://evil/post"></form>', /action/);
    fails('<svg><image href="http://127.0.0.1:9/x"/></svg>', /<image href/);
    fails('<svg><use xlink:href="http://evil/s.svg#a"/></svg>', /xlink:href/);
    fails('<img src="h&#116;tp://evil/x">', /loads from outside/); // entity-encoded scheme
    fails('<img src="data:text/html,<b>x</b>">', /data: URLs are allowed only for images/);
    fails('<div style="background:url(http://evil/bg.png)">x</div>', /url\(http:\/\/evil\/bg.png\) loads from outside/);
    fails('<style>\n@import "http://evil/x.css";\n</style>', /html_template line 2: @import is not allowed/);
    fails(
      '<p></p>',
      /css_template line 2: url\(https:\/\/evil\/f.woff2\)/,
      '@font-face {\n  src: url("https://evil/f.woff2");\n}',
    );
    fails('<p></p>', /css_template line 1: @import/, '@import url(/api/credentials/public/images/a.css);');
    fails('<p></p>', /url\(\/\/evil\/x\)/, '.a { background: url(//evil/x) }');
    fails('<p></p>', /url\(http:\/\/evil\/x\)/, '.a { background: \\75 rl(http://evil/x) }'); // CSS escape
    fails('<p></p>', /image-set/, '.a { background: image-set("http://evil/x.png" 1x) }');
    fails('<p></p>', /<\/style/, '.a{}</style><script>alert(1)</script>');
  });

  it('accepts the service own images, data: images and fonts, fragments and links', () => {
    ok(
      [
        '<img src="https://badges.example.test/api/credentials/public/images/org/logo.png">',
        '<img src="/api/credentials/public/images/org/sig.png">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="{{credential.image}}">',
        '<a href="https://example.edu/about">about</a> <a href="mailto:x@example.edu">mail</a>',
        '<svg><rect fill="url(#g)"/></svg>',
      ].join('\n'),
      '.a { background: url("/api/credentials/public/images/bg.png") } @font-face { font-family: X; src: url(data:font/woff2;base64,AAAA) }',
    );
  });

  it('refuses script, iframe, object, embed, base, link, meta refresh and event handlers', () => {
    fails('<p>x</p>\n<script>alert(1)</script>', /html_template line 2: <script> elements are not allowed/);
    fails('<SCRIPT src="/api/credentials/public/images/x.js"></SCRIPT>', /<script> elements/);
    fails('<iframe src="/api/credentials/public/images/x"></iframe>', /<iframe> elements/);
    fails('<object data="x"></object>', /<object> elements/);
    fails('<embed src="x">', /<embed> elements/);
    fails('<base href="https://evil/">', /<base> elements/);
    fails('<link rel="stylesheet" href="/api/credentials/public/images/a.css">', /<link> elements/);
    fails('<meta http-equiv="refresh" content="0;url=https://evil/">', /http-equiv/);
    fails(
      '<img src="/api/credentials/public/images/a.png" onerror="alert(1)">',
      /event handler attributes \(onerror=\)/,
    );
    fails('<a href="javascript:alert(1)">x</a>', /javascript: URLs/);
    fails('<svg><set attributeName="href" to="http://evil/"/></svg>', /<set> elements/);
    fails('<s{{recipient.name}}>', /merge tags may not form element names/);
    fails('<img {{recipient.name}}="x">', /merge tags may not form attribute names/);
  });

  it('reads tags as the HTML tokenizer does: a stray quote hides nothing', () => {
    fails(
      '<img alt=a"b src=http://127.0.0.1:3199/img>',
      /<img src="http:\/\/127\.0\.0\.1:3199\/img"> loads from outside/,
    );
    fails('<link rel=x"y href=http://evil.example/a.css>', /<link> elements/);
    fails("<iframe title='a src=file:///etc/hostname>", /<iframe> elements/);
    fails('<img "x src=http://evil.example/a.png>', /loads from outside/);
    fails('<p>x</p><script x=a"b>alert(1)</script>', /<script> elements/);
    fails('<meta name=a"b http-equiv=refresh content="0;url=https://evil/">', /http-equiv/);
    // text that merely contains "<" is not a tag to a browser, and not refused
    ok('<p>score < 5 online</p>');
  });

  it('a literal in braces is a field lookup to Handlebars, so it is refused', () => {
    fails('{{#with recipient}}{{"email"}}{{/with}}', /literal/, undefined, ['recipient.name']);
    fails('{{"email"}}', /literal/);
    ok('{{formatDate issued_on_iso "long"}}');
  });

  it('collects several problems at once, each with its line', () => {
    const errs = errorsOf('<script></script>\n{{nope}}\n<img src="http://x/y">', 'a { background: url(http://z) }');
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^html_template line 1: <script>/),
        expect.stringMatching(/^html_template line 2: unknown merge tag "nope"/),
        expect.stringMatching(/^html_template line 3: <img src/),
        expect.stringMatching(/^css_template line 1: url\(http:\/\/z\)/),
      ]),
    );
  });
});

describe('urlProblem', () => {
  it('allows only the prefixes, data: images and fonts', () => {
    expect(urlProblem('https://badges.example.test/api/credentials/public/images/a.png', 'load', prefixes)).toBeNull();
    expect(
      urlProblem('https://user@badges.example.test/api/credentials/public/images/a.png', 'load', prefixes),
    ).not.toBeNull();
    expect(
      urlProblem('http://badges.example.test/api/credentials/public/images/a.png', 'load', prefixes),
    ).not.toBeNull();
    expect(urlProblem('http://2130706433/', 'load', prefixes)).not.toBeNull();
    expect(urlProblem('http://[::ffff:127.0.0.1]/', 'load', prefixes)).not.toBeNull();
    expect(urlProblem('data:font/woff2;base64,AA', 'load', prefixes)).toBeNull();
    expect(urlProblem('https://example.edu', 'link', prefixes)).toBeNull();
    expect(urlProblem('file:///etc/passwd', 'link', prefixes)).not.toBeNull();
  });
});

describe('tag list', () => {
  it('lists the context tags', () => {
    expect(TEMPLATE_TAG_NAMES).toEqual(
      expect.arrayContaining([
        'recipient.name',
        'recipient.email',
        'recipient.user_id',
        'credential.criteria_url',
        'issuer.image',
        'issued_on',
        'expires',
        'issued_on_iso',
        'signatories.signature_image',
        'verification_url',
        'qr_code',
        'assertion_id',
        'fields.*',
        'credential.fields.label',
      ]),
    );
    expect(isKnownTemplateTag('recipient')).toBe(true);
    expect(isKnownTemplateTag('fields.gpa')).toBe(true);
    expect(isKnownTemplateTag('recipient.phone')).toBe(false);
  });
});
