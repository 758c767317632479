import { ValidationError } from '../errors.js';

const MIN_EXPIRY_AHEAD_MS = 5000;

/**
 * The job signs with whole-second dates a moment later: an expiry less than a few seconds ahead
 * would pass here and then fail in the job. Nobody means a credential to last five seconds.
 */
export function checkExpiry(expires: string | undefined): void {
  if (expires !== undefined && !(Date.parse(expires) >= Date.now() + MIN_EXPIRY_AHEAD_MS)) {
    throw new ValidationError('Invalid body: expires: must be a date-time in the future (at least 5 s ahead)', {
      fieldErrors: { expires: ['must be in the future'] },
    });
  }
}
