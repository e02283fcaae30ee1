/** Small helpers the end-to-end journeys share: requests to the edge, addresses, money, status checks and TOTP codes. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generateSync } from "otplib";
import { callEdge, type EdgeAnswer, type EdgeCaller } from "../mesh/edge-client.js";

/**
 * Upstream deadlines for a two-core CI running several meshes at once: the
 * journeys are about what the edge answers, not about how fast argon2 and
 * risk scoring are under that load.
 */
export const LOADED_CI_DEADLINES: Readonly<Record<string, string>> = {
  GATEWAY_UPSTREAM_TIMEOUT: "20s",
  BFF_UPSTREAM_TIMEOUT: "15s",
  LEDGER_RISK_TIMEOUT: "5s",
};

/** A random private address standing for one client's public IP (sent in `X-Forwarded-For`). */
export const phoneIp = (): string => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0]! % 250)}`;

/** A EUR amount in its JSON form (int64 as a string). */
export const eur = (amountMinor: number) => ({ amountMinor: String(amountMinor), currency: "EUR" });

/** Asserts the status, showing the body when it differs. */
export function expectStatus(answer: EdgeAnswer, status: number): void {
  assert.equal(answer.status, status, `expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
}

/** The TOTP code of `secret` (base32) for the 30-second step holding `at` (ms since the epoch). */
export const totpAt = (secret: string, at: number): string => generateSync({ secret, epoch: Math.floor(at / 1000), period: 30 });

/** Options of one journey request: a JSON body, extra headers, and another bearer token (`null`: none) than the caller's. */
export interface JourneyRequest {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly token?: string | null;
}

/**
 * A request to the edge at `edgeUrl` as `caller` (its IP, its bearer token
 * unless `options.token` says otherwise) from a client named `userAgent`,
 * with a deadline generous enough for a loaded two-core CI.
 */
export function callAs(edgeUrl: string, userAgent: string, caller: EdgeCaller, method: string, path: string, options: JourneyRequest = {}): Promise<EdgeAnswer> {
  const token = options.token === undefined ? caller.accessToken : options.token;
  return callEdge(edgeUrl, { ip: caller.ip, ...(token ? { accessToken: token } : {}) }, method, path, {
    ...(options.body === undefined ? {} : { body: options.body }),
    headers: { "user-agent": userAgent, ...options.headers },
    timeoutMs: 60_000,
  });
}
