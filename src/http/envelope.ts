import type { Response } from 'express';

/** The credentials API's envelope: `{status: {success, description}, result}`. */
export type StatusDescription = 'Ok' | 'Created' | 'Updated' | 'Deleted';

const STATUS_CODE: Record<StatusDescription, number> = { Ok: 200, Created: 201, Updated: 200, Deleted: 200 };

export function envelope(result: unknown, description: StatusDescription = 'Ok') {
  return result === undefined
    ? { status: { success: true, description } }
    : { status: { success: true, description }, result };
}

export function sendEnvelope(res: Response, result: unknown, description: StatusDescription = 'Ok', status?: number): void {
  res.status(status ?? STATUS_CODE[description]).json(envelope(result, description));
}

export function errorEnvelope(description: string, extra: { fieldErrors?: Record<string, string[]>; validationErrors?: string[] } = {}) {
  return {
    status: { success: false, description },
    fieldErrors: extra.fieldErrors ?? {},
    validationErrors: extra.validationErrors ?? [],
  };
}
