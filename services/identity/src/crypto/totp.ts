/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) through otplib: secrets, otpauth
 * URIs and verification with ±1 time-step of drift, answering the matched
 * time step so callers can refuse a code accepted before.
 */
import { generateSecret, generateSync, generateURI, verifySync } from "otplib";

/** The time step, in seconds. */
export const TOTP_PERIOD = 30;

/** A new base32 secret (160 random bits). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URI for a QR code, naming every parameter explicitly. */
export function totpUri(secret: string, issuer: string, account: string): string {
  const uri = generateURI({ issuer, label: account, secret, algorithm: "sha1", digits: 6, period: TOTP_PERIOD });
  const extra = ["algorithm=SHA1", "digits=6", `period=${TOTP_PERIOD}`].filter((p) => !uri.includes(p.split("=")[0]! + "="));
  return extra.length === 0 ? uri : `${uri}&${extra.join("&")}`;
}

/** The time step (counter) a code matches within ±1 step of `now`, or undefined. */
export function matchTotp(secret: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = verifySync({ secret, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: TOTP_PERIOD, period: TOTP_PERIOD });
  return result.valid ? (result as { timeStep: number }).timeStep : undefined;
}

/** The code for `at` (tests and tools). */
export function totpCodeAt(secret: string, at: Date): string {
  return generateSync({ secret, epoch: Math.floor(at.getTime() / 1000), period: TOTP_PERIOD });
}
