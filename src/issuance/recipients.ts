import type { Db } from '../db/database.js';
import { recipientRepository, type RecipientUser } from '../db/recipient-repository.js';
import { normalizeEmail } from '../openbadges/recipient-hash.js';
import type { BulkEntry, BulkResult, ResolvedRecipient } from './issuance-jobs.js';

/**
 * Resolves recipients against the directory, in batches. A known user is issued to under their id
 * (the request's email/name, when given, win over the directory's for this award); an unknown
 * recipient object with an email joins the directory as a student (named by its user_id, else by
 * its email); an unknown bare username fails.
 */
export interface Resolution {
  resolved: { label: string; recipient: ResolvedRecipient }[];
  failed: BulkResult['failed'];
}

function merge(entry: BulkEntry, user: RecipientUser): ResolvedRecipient {
  const email = entry.email ?? user.email ?? undefined;
  const name = entry.name ?? user.name ?? undefined;
  return {
    userId: user.user_id,
    ...(email && { email }),
    ...(name && { name }),
    ...(entry.fields && { fields: entry.fields }),
  };
}

export async function resolveRecipients(db: Db, org: string, entries: BulkEntry[]): Promise<Resolution> {
  const users = recipientRepository(db);
  const emailOnly = entries.filter((e) => e.userId === undefined).map((e) => normalizeEmail(e.email!));
  // An email-only recipient joins under its email as user id, so that id may already exist too.
  const ids = [...new Set([...entries.flatMap((e) => (e.userId !== undefined ? [e.userId] : [])), ...emailOnly])];
  const [byId, byEmail] = await Promise.all([
    users.findUsersById(org, ids),
    users.findUsersByEmail(org, [...new Set(emailOnly)]),
  ]);

  const out: Resolution = { resolved: [], failed: [] };
  const toCreate = new Map<string, { user_id: string; email: string; name?: string }>();
  const waiting: { entry: BulkEntry; userId: string }[] = [];
  for (const entry of entries) {
    if (entry.userId !== undefined) {
      const user = byId.get(entry.userId);
      if (user) out.resolved.push({ label: entry.label, recipient: merge(entry, user) });
      else if (entry.kind === 'username')
        out.failed.push({ user: entry.label, reason: `Unknown user "${entry.userId}".` });
      else if (!entry.email) {
        out.failed.push({
          user: entry.label,
          reason: `Unknown user "${entry.userId}"; give an email to add them to the directory.`,
        });
      } else {
        toCreate.set(entry.userId, {
          user_id: entry.userId,
          email: entry.email,
          ...(entry.name && { name: entry.name }),
        });
        waiting.push({ entry, userId: entry.userId });
      }
      continue;
    }
    const email = normalizeEmail(entry.email!);
    const user = byEmail.get(email) ?? byId.get(email);
    if (user) out.resolved.push({ label: entry.label, recipient: merge(entry, user) });
    else {
      if (!toCreate.has(email))
        toCreate.set(email, { user_id: email, email: entry.email!, ...(entry.name && { name: entry.name }) });
      waiting.push({ entry, userId: email });
    }
  }
  if (toCreate.size) {
    await users.insertRecipientUsers(org, [...toCreate.values()]);
    // Re-read: a concurrent request may have added the same user first, and its row is the one.
    const created = await users.findUsersById(org, [...toCreate.keys()]);
    for (const { entry, userId } of waiting) {
      const user = created.get(userId);
      if (user) out.resolved.push({ label: entry.label, recipient: merge(entry, user) });
      else out.failed.push({ user: entry.label, reason: 'Could not add the recipient to the directory.' });
    }
  }
  return out;
}
