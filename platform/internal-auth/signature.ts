import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

/** Version tag at the head of the canonical string, so the scheme can evolve. */
const SCHEME = "wallet-internal-v1";

/** sha256 of zero bytes: the digest client- and bidi-streaming requests sign. */
export const EMPTY_BODY_DIGEST = createHash("sha256").digest("hex");

/** The fields a signature covers. */
export interface SignedFields {
  /** `/<service type name>/<method name>`, independent of host and base path. */
  readonly procedure: string;
  readonly caller: string;
  readonly keyId: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly bodyDigest: string;
  /** Forwarded end-user subject, `""` when absent. */
  readonly subject: string;
}

/** The procedure path of a call, from its descriptors. */
export function procedureOf(service: { typeName: string }, method: { name: string }): string {
  return `/${service.typeName}/${method.name}`;
}

/**
 * The string that is signed: one field per line, in a fixed order. No field
 * may contain a newline (headers cannot), so the encoding is unambiguous.
 */
export function canonicalString(fields: SignedFields): string {
  return [SCHEME, fields.procedure, fields.caller, fields.keyId, fields.timestamp, fields.nonce, fields.bodyDigest, fields.subject].join("\n");
}

/** HMAC-SHA256 of the canonical string, hex encoded. */
export function sign(fields: SignedFields, secret: string): string {
  return createHmac("sha256", secret).update(canonicalString(fields)).digest("hex");
}

/** Constant-time comparison of two hex strings. */
export function safeEqualHex(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * sha256 (hex) of a request message's protobuf binary form.
 *
 * Sender and receiver agree because protobuf-es serialisation is
 * deterministic for a given message and schema: known fields in field-number
 * order, map entries in insertion order (which parsing preserves), unknown
 * fields last in the order they arrived. The receiver re-serialises the
 * message it parsed, which equals what the sender serialised as long as both
 * share the request schema. A sender whose schema has a field the receiver
 * does not know yet would disagree (the receiver moves it to the unknown
 * fields at the end), so deploy receivers before senders when adding request
 * fields, the usual protobuf rollout order anyway.
 */
export function messageDigest<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string {
  return createHash("sha256").update(toBinary(schema, message)).digest("hex");
}
