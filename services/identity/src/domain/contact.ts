/** Email and phone syntax rules. */
import { IdentityError } from "./identity-error.js";

/** Longest accepted email address (RFC 5321 path limit). */
const EMAIL_MAX = 254;

/** Lower-cases and trims an email; EMAIL_INVALID when it is not a plausible address. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > EMAIL_MAX || !/^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(email)) {
    throw new IdentityError("EMAIL_INVALID", "email is not a valid address", { field: "email" });
  }
  return email;
}

/** Lower-cases and trims an email without validating it (lookups that must not reveal anything). */
export function looseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** A phone number in E.164 form, or "" when none; PHONE_INVALID otherwise. */
export function normalizePhone(raw: string): string {
  const phone = raw.trim();
  if (phone === "") return "";
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) throw new IdentityError("PHONE_INVALID", "phone must be in E.164 form, e.g. +4915112345678", { field: "phone" });
  return phone;
}
