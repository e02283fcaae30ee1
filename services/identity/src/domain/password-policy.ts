/**
 * Password rules of NIST SP 800-63B §5.1.1.2: a length window (at least 8,
 * at least 64 always allowed), no composition rules, and a refusal of
 * passwords on a list of common ones or built from the account's own email.
 */
import { IdentityError } from "./identity-error.js";

/** Shortest accepted password, in code points. */
export const PASSWORD_MIN_LENGTH = 8;

/** What the policy needs besides the password. */
export interface PasswordPolicy {
  /** Longest accepted password in code points (≥ 64). */
  readonly maxLength: number;
  /** Lower-case common passwords. */
  readonly commonPasswords: ReadonlySet<string>;
}

/**
 * Refuses a password that breaks the policy: PASSWORD_TOO_SHORT,
 * PASSWORD_TOO_LONG, PASSWORD_COMMON, or PASSWORD_TOO_WEAK when it is the
 * email, its local part, or one character repeated.
 */
export function assertPasswordAcceptable(password: string, policy: PasswordPolicy, email = ""): void {
  const normalized = password.normalize("NFKC");
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new IdentityError("PASSWORD_TOO_SHORT", `a password needs at least ${PASSWORD_MIN_LENGTH} characters`, {
      min_length: String(PASSWORD_MIN_LENGTH),
    });
  }
  if (length > policy.maxLength) {
    throw new IdentityError("PASSWORD_TOO_LONG", `a password has at most ${policy.maxLength} characters`, {
      max_length: String(policy.maxLength),
    });
  }
  const lower = normalized.toLowerCase();
  if (policy.commonPasswords.has(lower)) {
    throw new IdentityError("PASSWORD_COMMON", "this password is too common; choose another");
  }
  const local = email.split("@")[0] ?? "";
  if ((email !== "" && lower.includes(email)) || (local.length >= 4 && lower === local) || /^(.)\1*$/u.test(normalized)) {
    throw new IdentityError("PASSWORD_TOO_WEAK", "this password is too easy to guess; choose another");
  }
}

/** Parses a list file: one password per line, `#` comments and blank lines ignored, lower-cased. */
export function parsePasswordList(text: string): Set<string> {
  const set = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const entry = line.trim();
    if (entry !== "" && !entry.startsWith("#")) set.add(entry.toLowerCase());
  }
  return set;
}
