/**
 * The isolated Handlebars instance used for certificate templates, and its compile / runtime
 * options. Nothing else in the process shares its helpers or partials.
 */
import Handlebars from 'handlebars';
import { helpers, HELPER_NAMES } from './helpers.js';

export type HandlebarsInstance = ReturnType<typeof Handlebars.create>;

export function createHandlebars(): HandlebarsInstance {
  const hb = Handlebars.create();
  // `log` writes to the process console; templates have no use for it.
  hb.unregisterHelper('log');
  for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn as Handlebars.HelperDelegate);
  return hb;
}

/** Compile options: only our helpers and the safe built-ins are known; anything else fails to compile. */
export const COMPILE_OPTIONS: CompileOptions = {
  knownHelpers: {
    ...Object.fromEntries(HELPER_NAMES.map((n) => [n, true])),
    if: true,
    unless: true,
    each: true,
    with: true,
    lookup: true,
    log: false,
  },
  knownHelpersOnly: true,
  strict: false,
  assumeObjects: false,
  noEscape: false,
  compat: false,
  data: true,
  preventIndent: true,
  explicitPartialContext: true,
};

/** Runtime options: no prototype access (the 4.7 default, stated explicitly). */
export const RUNTIME_OPTIONS: RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
  partials: {},
  decorators: {},
};
