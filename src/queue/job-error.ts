import { AppError, isErrorCode, type ErrorCode } from '../errors.js';

/**
 * A refusal a job completes with instead of failing (retrying would not help). It crosses Redis
 * as plain data, so it names its error by code; the API turns it back into an AppError.
 */
export interface JobError {
  code: ErrorCode;
  message: string;
}

export const jobError = (err: AppError): { error: JobError } => ({ error: { code: err.code, message: err.message } });

export function jobErrorToAppError(error: JobError): AppError {
  // A code this process does not know (a newer worker's) is still the job's answer, not a 500.
  return new AppError(isErrorCode(error.code) ? error.code : 'ERR_UNAVAILABLE', error.message);
}
