/** The recipient of a single issue as the API stores it in the job request. */
export interface RecipientFields {
  user_id?: string;
  email?: string;
  name?: string;
}

/**
 * The recipient shapes a single issue accepts, besides `recipient: {user_id, email, name}`: Badgr's
 * `recipient: {identity, type: "email" | "id"}` and a top-level `username` / `user_id` / `email`
 * (`name`). Pure; answers today's shape, or the message of what is wrong.
 */
export interface RecipientInput {
  recipient?: {
    user_id?: string;
    username?: string;
    email?: string;
    name?: string;
    identity?: string;
    type?: string;
    hashed?: boolean;
    plaintextIdentity?: string;
  };
  username?: string;
  user_id?: string;
  email?: string;
  name?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type NormalizedRecipient = { recipient: RecipientFields } | { error: string; field: string };

export function normalizeRecipient(body: RecipientInput): NormalizedRecipient {
  const given = body.recipient ?? {};
  // Badgr echoes a hashed identity with the address beside it: the address is the recipient.
  const r =
    given.hashed === true && given.plaintextIdentity
      ? { ...given, identity: given.plaintextIdentity, hashed: false }
      : given;
  if (r.hashed === true) {
    return { error: 'a hashed identity cannot be issued to; send it in plain text', field: 'recipient.hashed' };
  }
  let fromIdentity: { user_id?: string; email?: string } = {};
  if (r.identity !== undefined) {
    const type = r.type ?? 'email';
    if (type === 'email') {
      if (!EMAIL.test(r.identity)) {
        return { error: 'must be an email address when type is "email"', field: 'recipient.identity' };
      }
      fromIdentity = { email: r.identity };
    } else if (type === 'id' || type === 'username') fromIdentity = { user_id: r.identity };
    else return { error: `unsupported recipient type "${type}" (email, id or username)`, field: 'recipient.type' };
  }
  const pick = (field: 'user_id' | 'email' | 'name', ...values: (string | undefined)[]) => {
    const given = [...new Set(values.filter((v): v is string => v !== undefined))];
    return given.length > 1 ? { conflict: field } : { value: given[0] };
  };
  const userId = pick('user_id', r.user_id, r.username, fromIdentity.user_id, body.user_id, body.username);
  const email = pick('email', r.email, fromIdentity.email, body.email);
  const name = pick('name', r.name, body.name);
  for (const f of [userId, email, name]) {
    if ('conflict' in f) {
      return { error: `the request names two different values for ${f.conflict}`, field: f.conflict! };
    }
  }
  if (userId.value === undefined && email.value === undefined) {
    const error = 'needs a user_id or an email (or a username), in recipient or at the top level';
    return { error, field: 'recipient' };
  }
  return {
    recipient: {
      ...(userId.value !== undefined && { user_id: userId.value }),
      ...(email.value !== undefined && { email: email.value }),
      ...(name.value !== undefined && { name: name.value }),
    },
  };
}
