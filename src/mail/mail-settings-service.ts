import type { AssertionRepository } from '../db/assertion-repository.js';
import type { MailRepository, MailSettingsRow } from '../db/mail-repository.js';
import type { Principal } from '../auth/principal.js';
import { canAdministerOrg } from '../auth/permissions.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { checkMailTemplates, DEFAULT_HTML, DEFAULT_SUBJECT, DEFAULT_TEXT } from './mail-templates.js';

/** Per-org email settings (sender name, reply-to, templates, defaults) and per-assertion email status. */
export type MailSettingsInput = Partial<Omit<MailSettingsRow, 'org'>>;

const DEFAULTS: Omit<MailSettingsRow, 'org'> = {
  sender_name: null,
  reply_to: null,
  subject: null,
  html_template: null,
  text_template: null,
  notify_default: false,
  notify_on_revoke: false,
  attach_pdf: false,
};

export interface MailSettingsServiceDeps {
  mailRepo: MailRepository;
  assertionRepo: AssertionRepository;
  publicBaseUrl: string;
  mailEnabled: boolean;
}

export function mailSettingsService(deps: MailSettingsServiceDeps) {
  const { mailRepo, assertionRepo } = deps;
  const assertAdmin = (p: Principal, org: string) => {
    if (!canAdministerOrg(p, org)) throw new ForbiddenError('Only platform admins manage email settings.');
  };
  const view = (row: MailSettingsRow) => ({
    ...row,
    enabled: deps.mailEnabled,
    defaults: { subject: DEFAULT_SUBJECT, html_template: DEFAULT_HTML, text_template: DEFAULT_TEXT },
  });

  return {
    async get(p: Principal, org: string) {
      assertAdmin(p, org);
      return view((await mailRepo.getMailSettings(org)) ?? { org, ...DEFAULTS });
    },

    /** Fields given are changed; `null` restores a default. Templates are checked as certificates are. */
    async put(p: Principal, org: string, change: MailSettingsInput) {
      assertAdmin(p, org);
      checkMailTemplates(change, deps.publicBaseUrl);
      const current = (await mailRepo.getMailSettings(org)) ?? { org, ...DEFAULTS };
      return view(await mailRepo.putMailSettings({ ...current, ...change, org }));
    },

    /** `[{event, status, attempts, last_error}]` of one assertion of the org. */
    async notifications(p: Principal, org: string, assertionId: string) {
      assertAdmin(p, org);
      if (!(await assertionRepo.getAssertionSummary(org, assertionId))) {
        throw new NotFoundError(`Assertion "${assertionId}" does not exist.`);
      }
      return (await mailRepo.listNotifications(assertionId)).map((n) => ({
        event: n.event,
        status: n.status,
        attempts: n.attempts,
        last_error: n.last_error,
        updated_at: n.updated_at.toISOString(),
      }));
    },
  };
}

export type MailSettingsService = ReturnType<typeof mailSettingsService>;
