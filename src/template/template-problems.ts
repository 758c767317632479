/** The problems a template check collects: one line each, naming the template and line, capped in number. */

export type Which = 'html_template' | 'css_template';

/** Problems listed in one answer; past this, a count (a 256 KiB template can hold thousands). */
const MAX_LISTED = 100;

export class Collector {
  readonly errors: string[] = [];
  readonly byField: Record<string, string[]> = {};
  private readonly seen = new Set<string>();
  private more = 0;
  add(which: Which, line: number | null, msg: string): void {
    const text = line === null ? `${which}: ${msg}` : `${which} line ${line}: ${msg}`;
    if (this.seen.has(text)) return;
    this.seen.add(text);
    if (this.errors.length >= MAX_LISTED) {
      this.more++;
      return;
    }
    this.errors.push(text);
    (this.byField[which] ??= []).push(text);
  }
  get count(): number {
    return this.errors.length + this.more;
  }
  /** The list as answered: the first MAX_LISTED problems, then how many more there are. */
  listed(): string[] {
    return this.more ? [...this.errors, `… and ${this.more} more problems`] : this.errors;
  }
}

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
export function errorLine(e: unknown): number | null {
  const ln = (e as { lineNumber?: number })?.lineNumber;
  if (typeof ln === 'number') return ln;
  const m = /on line (\d+)/.exec(String((e as Error)?.message ?? ''));
  return m ? Number(m[1]) : null;
}
