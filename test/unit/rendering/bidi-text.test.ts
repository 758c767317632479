import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { isolateBidi, stripBidiControls } from '../../../src/template/bidi-text.js';
import { defaultCertificateTemplate } from '../../../src/template/default-template.js';
import { attachCredentialToPdf } from '../../../src/openbadges/pdf-credential.js';
import { buildCertificateDocument, renderTemplate } from '../../../src/template/template.js';
import { buildTemplateContext } from '../../../src/template/template-context.js';

const RLO = '\u202e';
const FSI = '\u2068';
const PDI = '\u2069';
const CONTROLS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];

describe('bidi controls', () => {
  it('are all stripped from one-line text', () => {
    expect(stripBidiControls(`A${CONTROLS.join('')}B`)).toBe('AB');
    expect(stripBidiControls('Ada Lovelace')).toBe('Ada Lovelace');
  });

  it('isolate text that has controls or right-to-left letters, leave plain text alone', () => {
    expect(isolateBidi('Ada Lovelace')).toBe('Ada Lovelace');
    expect(isolateBidi('')).toBe('');
    expect(isolateBidi(`Ada ${RLO}gpj.exe`)).toBe(`${FSI}Ada gpj.exe${PDI}`);
    expect(isolateBidi('דוד כהן')).toBe(`${FSI}דוד כהן${PDI}`);
    expect(isolateBidi('محمد')).toBe(`${FSI}محمد${PDI}`);
    // an unpaired PDI inside would close the isolate early: it goes, the marks stay
    expect(isolateBidi(`x${PDI}${RLO}y\u200f`)).toBe(`${FSI}xy\u200f${PDI}`);
  });
});

describe('certificates with a U+202E in names', () => {
  const context = () =>
    buildTemplateContext({
      recipient: { name: `Ada ${RLO}gpj.exe` },
      credential: { name: `Data ${RLO}Analysis` },
      issuer: { name: `Example ${RLO}University` },
      issuedOn: '2026-11-24T09:30:00Z',
      signatories: [{ name: `Grace ${RLO}Hopper`, title: 'Dean' }],
      verificationUrl: 'https://badges.example.test/v/abc',
      assertionId: 'abc',
    });

  it('isolates the merged names (any template), and the default template puts them in <bdi>', async () => {
    const c = await context();
    expect(c.recipient.name).toBe(`${FSI}Ada gpj.exe${PDI}`);
    expect(renderTemplate('<p>Awarded to {{recipient.name}} by {{issuer.name}}.</p>', '', c).html).toBe(
      `<p>Awarded to ${FSI}Ada gpj.exe${PDI} by ${FSI}Example University${PDI}.</p>`,
    );
    const t = defaultCertificateTemplate();
    const doc = buildCertificateDocument(t.htmlTemplate, t.cssTemplate, c, {
      assetPrefixes: ['https://badges.example.test/api/credentials/public/images/'],
    });
    expect(doc).not.toContain(RLO);
    expect(doc).toContain(`<h1 class="recipient"><bdi>${FSI}Ada gpj.exe${PDI}</bdi></h1>`);
    expect(doc).toContain(`<div class="sig-name"><bdi>${FSI}Grace Hopper${PDI}</bdi></div>`);
    // the document title: no controls at all
    expect(/<title>([^<]*)<\/title>/.exec(doc)?.[1]).toBe('Data Analysis');
  });

  it('the PDF Title and Author carry no bidi controls', async () => {
    const blank = await PDFDocument.create();
    blank.addPage();
    const pdf = await attachCredentialToPdf(await blank.save(), {
      jwt: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
      verificationUrl: 'https://badges.example.test/v/abc',
      title: `Data Analysis — Ada ${RLO}gpj.exe`,
      author: `Example ${RLO}University`,
    });
    const doc = await PDFDocument.load(pdf);
    expect(doc.getTitle()).toBe('Data Analysis — Ada gpj.exe');
    expect(doc.getAuthor()).toBe('Example University');
  });
});
