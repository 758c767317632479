import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressRatio, progressReporter, progressText } from '../../../src/cli/progress-line.js';

function sink(tty: boolean) {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean };
  out.isTTY = tty;
  return { out, text: () => chunks.join('') };
}

describe('bulk progress on the CLI', () => {
  const steps = [
    { done: 0, total: 4 },
    { done: 4, total: 4, issued: 4, rendered: 0 },
    { done: 4, total: 4, issued: 4, rendered: 0 },
    { done: 4, total: 4, issued: 4, rendered: 3, failed_renders: 1 },
  ];

  it('on a terminal: one bar redrawn in place, ended by a newline', () => {
    const s = sink(true);
    const bar = progressReporter(s.out);
    for (const p of steps) bar.update(p);
    bar.end();
    const text = s.text();
    expect(text.split('\r')).toHaveLength(4); // the repeated state is not redrawn
    expect(text).toContain('\r[###############---------------] users 4/4, issued 4, rendered 0/4\x1b[K');
    expect(
      text.endsWith('[##############################] users 4/4, issued 4, rendered 3/4, failed renders 1\x1b[K\n'),
    ).toBe(true);
  });

  it('elsewhere: a plain line per change, no control characters', () => {
    const s = sink(false);
    const bar = progressReporter(s.out);
    for (const p of steps) bar.update(p);
    bar.end();
    expect(s.text()).toBe(
      'users 0/4\nusers 4/4, issued 4, rendered 0/4\nusers 4/4, issued 4, rendered 3/4, failed renders 1\n',
    );
  });

  it('issuing fills the first half of the bar, rendering the second', () => {
    expect(progressRatio({ done: 2, total: 4 })).toBe(0.25);
    expect(progressRatio({ done: 4, total: 4, issued: 4, rendered: 2 })).toBe(0.75);
    expect(progressText({ done: 1, total: 2 })).toBe('users 1/2');
  });
});
