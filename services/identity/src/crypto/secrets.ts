/** Random secrets handed to clients, and the digests identity keeps of them. */
import { createHash, randomBytes, randomInt } from "node:crypto";

/** A 256-bit CSPRNG token, base64url (refresh, verification and recovery tokens). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** sha256 of a token: what is stored and looked up (the tokens carry ≥128 random bits, so no salt or stretching is needed). */
export function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Alphabet of recovery codes: lower-case base32 without 0/1/8/9 look-alikes' confusion (RFC 4648 alphabet). */
const CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A recovery code "xxxxx-xxxxx": 50 random bits. */
export function randomRecoveryCode(): string {
  let code = "";
  for (let i = 0; i < 10; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** A recovery code as typed by a user, reduced to its canonical form (lower case, no separators or spaces). */
export function canonicalRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, "");
}
