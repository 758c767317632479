/**
 * The name a certificate and its title may print: the recipient's name, else a user id that is not
 * an email address. Certificates are public files: a recipient known only by email stays unnamed.
 */
export function publicRecipientName(a: {
  recipient_name: string | null;
  recipient_user_id: string;
}): string | undefined {
  const name = a.recipient_name?.trim();
  if (name) return name;
  return a.recipient_user_id.includes('@') ? undefined : a.recipient_user_id;
}
