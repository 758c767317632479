/**
 * Bidirectional control characters in names and other untrusted text. A U+202E (right-to-left
 * override) in a recipient name reverses everything after it on the line: "Ada\u202Egpj.exe"
 * shows as "Adaexe.jpg", and in a page title it reorders the rest of the title too.
 *
 * Where text is a line of its own (titles, OpenGraph/meta tags, PDF metadata) the controls are
 * removed; where it sits inside other text it is isolated (FSI … PDI, the text form of `<bdi>`).
 */

/** Embeddings, overrides and isolates (they can reorder text beyond themselves) and the marks. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** The controls that open or close a run; the marks (LRM, RLM, ALM) are harmless inside an isolate. */
const BIDI_RUN_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const BIDI_CONTROLS_ONE = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

/** Letters of the right-to-left scripts (Hebrew to NKo and their presentation forms, and the RTL planes). */
const RTL_LETTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe]|[\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

const FSI = '\u2068';
const PDI = '\u2069';

/** The text without any bidirectional control character (for titles and metadata). */
export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/**
 * The text as an isolate: its own embeddings, overrides and isolates removed (an unpaired PDI
 * would otherwise end the isolate early), then wrapped in FSI … PDI so that its direction is its
 * own (first strong character) and cannot reorder the text around it. Text with neither
 * controls nor right-to-left letters has nothing to isolate and is returned as is (so is empty
 * text: `{{#if}}` and `default` keep working).
 */
export function isolateBidi(text: string): string {
  const inner = text.replace(BIDI_RUN_CONTROLS, '');
  if (inner === '' || (inner === text && !RTL_LETTER.test(text) && !BIDI_CONTROLS_ONE.test(text))) return inner;
  return `${FSI}${inner}${PDI}`;
}
