import { createHmac } from "node:crypto";

/**
 * The signature headers of a gateway request: `x-wallet-timestamp` (unix
 * seconds) and `x-wallet-signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`,
 * so the gateway can reject forged and replayed requests.
 */
export function signatureHeaders(secret: string, rawBody: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
  return { "x-wallet-timestamp": timestamp, "x-wallet-signature": `v1=${signature}` };
}
