/**
 * The template checks and the render-time neutralizer are linear: 16 times the text costs about
 * 16 times the time. A quadratic step (a rescan from the start per tag, a regex that backtracks to
 * the end per opener) makes it ~256 times, so a bound of 40x fails it while leaving room for GC
 * and a loaded machine. Ratios, not absolute times: both sizes run on the same machine, back to
 * back, the best of several runs each.
 *
 * Measured on the shared 2-core host under a load average of 15-19: the certificate template
 * 16 KiB 2-6 ms, 255 KiB 37-110 ms (ratio 7-24); the hostile shapes 14-50x (see HOSTILE_MAX_RATIO).
 */
import { describe, expect, it } from 'vitest';
import { assetUrlPrefixes, checkTemplates, MAX_TEMPLATE_BYTES } from '../../../src/template/template-check.js';
import { neutralizeMarkup } from '../../../src/template/html-scan.js';

const prefixes = assetUrlPrefixes('https://badges.example.test');
const SMALL = 16 * 1024;
const BIG = MAX_TEMPLATE_BYTES - 1024;
const MAX_RATIO = 40;
/**
 * Hostile shapes do almost nothing per byte (0.1-0.4 ms for 16 KiB), so at 16 KiB everything sits
 * in the CPU caches and at 256 KiB it does not: linear code measured 15-50x here. Quadratic is
 * 256x (and slower still per byte), so 80x keeps a clear margin on both sides.
 */
const HOSTILE_MAX_RATIO = 80;

function fill(bytes: number, unit: string, head = '', tail = ''): string {
  return head + unit.repeat(Math.floor((bytes - head.length - tail.length) / unit.length)) + tail;
}

/**
 * The CPU time of one call of `fn` (ms): the average over a batch of `batch` calls. CPU time, not
 * wall time: on a loaded machine a 50 ms run is preempted where a 1 ms run is not, which would
 * inflate the ratio of linear code.
 */
function timed(fn: () => void, batch: number): number {
  const t0 = process.cpuUsage();
  for (let b = 0; b < batch; b++) fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / batch;
}

function check(html: string, css?: string): void {
  try {
    checkTemplates({ htmlTemplate: html, cssTemplate: css, assetPrefixes: prefixes });
  } catch {
    /* hostile shapes are refused: the time is what is measured */
  }
}

/**
 * Time per call at 256 KiB over time per call at 16 KiB. Other processes share the machine, and
 * their noise only ever adds time: the two sizes run interleaved, the best of 5 rounds each; a
 * ratio over the bound is measured again (up to 3 times; a quadratic step fails every time).
 */
function ratio(
  make: (bytes: number) => string,
  run: (text: string) => void,
  bound = MAX_RATIO,
): { small: number; big: number; ratio: number } {
  const s = make(SMALL);
  const b = make(BIG);
  expect(b.length / s.length).toBeGreaterThan(15);
  run(s);
  run(b); // warm-up
  let result = { small: Infinity, big: Infinity, ratio: Infinity };
  for (let attempt = 0; attempt < 3 && result.ratio >= bound; attempt++) {
    let small = Infinity;
    let big = Infinity;
    for (let round = 0; round < 5; round++) {
      small = Math.min(
        small,
        timed(() => run(s), 16),
      );
      big = Math.min(
        big,
        timed(() => run(b), 1),
      );
    }
    if (big / small < result.ratio) result = { small, big, ratio: big / small };
  }
  return result;
}

// A realistic certificate body: many tags and attributes, inline styles, entities, images, links,
// one merge tag per ~300 bytes (a 256 KiB template stays under the merge-tag limit).
const CERTIFICATE_UNIT =
  '<div class="row" style="color:#333;background:url(/api/credentials/public/images/o/bg.png)">\n' +
  '  <img src="/api/credentials/public/images/o/seal.png" alt="seal" width="40"> <span>Score &amp; rank &mdash; {{fields.grade}}</span>\n' +
  '  <a href="https://example.edu/a?b=1&amp;c=2" title="more">more</a><svg><rect fill="url(#g)"/></svg>\n</div>\n';

const HOSTILE: Record<string, (bytes: number) => string> = {
  'many start tags': (n) => fill(n, '<p>'),
  'unclosed <style> tags': (n) => fill(n, '<style>'),
  'unclosed url(': (n) => fill(n, 'url(', '<style>'),
  'nested image-set(': (n) => fill(n, 'image-set(', '<style>'),
  'unclosed quotes': (n) => fill(n, '<a href="'),
  'one tag, many attributes': (n) => fill(n, 'x=1 ', '<a ', '>'),
  'character references': (n) => fill(n, '&amp;&Tab;&#x6a;', '<a title="', '">'),
  'unclosed {{': (n) => fill(n, '{{'),
  'errors on every tag': (n) => fill(n, '<img src="http://evil.example/x.png">\n'),
};

describe('template checks are linear', () => {
  it(`a ${BIG >> 10} KiB certificate template checks within ${MAX_RATIO}x the time of a 16 KiB one`, () => {
    const r = ratio(
      (n) => fill(n, CERTIFICATE_UNIT),
      (t) => check(t),
    );
    console.log(
      `certificate template: 16 KiB ${r.small.toFixed(2)} ms, ${BIG >> 10} KiB ${r.big.toFixed(2)} ms, ratio ${r.ratio.toFixed(1)}`,
    );
    expect(r.ratio).toBeLessThan(MAX_RATIO);
  });

  it('so does the same CSS as a css_template', () => {
    const r = ratio(
      (n) =>
        fill(n, '.a{background:url("/api/credentials/public/images/o/bg.png");color:#333} /* c */ .b{x:"s\\"t"}\n'),
      (t) => check('<p></p>', t),
    );
    console.log(`css_template: ratio ${r.ratio.toFixed(1)}`);
    expect(r.ratio).toBeLessThan(MAX_RATIO);
  });

  for (const [name, make] of Object.entries(HOSTILE)) {
    it(`hostile shape: ${name}`, () => {
      const r = ratio(make, (t) => check(t), HOSTILE_MAX_RATIO);
      console.log(
        `${name}: 16 KiB ${r.small.toFixed(2)} ms, ${BIG >> 10} KiB ${r.big.toFixed(2)} ms, ratio ${r.ratio.toFixed(1)}`,
      );
      expect(r.ratio).toBeLessThan(HOSTILE_MAX_RATIO);
    });
  }

  it('the render-time neutralizer is linear too', () => {
    const merged = ratio(
      (n) => fill(n, CERTIFICATE_UNIT.replace('{{fields.grade}}', 'A')),
      (t) => neutralizeMarkup(t),
    );
    console.log(`neutralizeMarkup, certificate: ratio ${merged.ratio.toFixed(1)}`);
    expect(merged.ratio).toBeLessThan(MAX_RATIO);
    for (const shape of [
      'unclosed <style> tags',
      'unclosed quotes',
      'one tag, many attributes',
      'character references',
    ]) {
      const r = ratio(HOSTILE[shape], (t) => neutralizeMarkup(t), HOSTILE_MAX_RATIO);
      console.log(`neutralizeMarkup, ${shape}: ratio ${r.ratio.toFixed(1)}`);
      expect(r.ratio).toBeLessThan(HOSTILE_MAX_RATIO);
    }
  });
});
