import { ValidationError } from '../errors.js';

/**
 * OB 3.0 `DateTimeZ` at whole seconds. JWT `nbf`/`exp` are whole seconds, and verifiers compare
 * them with `validFrom`/`validUntil`, so sub-second precision would never round-trip.
 */
export function toDateTimeZ(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new ValidationError('Invalid date.');
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** NumericDate (seconds) of a DateTimeZ string; null when the string is not a date. */
export function toNumericDate(dateTime: string): number | null {
  const ms = Date.parse(dateTime);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

const FRACTIONAL_SECONDS = /T\d{2}:\d{2}:\d{2}\.\d+/;

export function hasFractionalSeconds(dateTime: string): boolean {
  return FRACTIONAL_SECONDS.test(dateTime);
}
