import type { DescMethod } from "@bufbuild/protobuf";
import type { FastifyReply, FastifyRequest } from "fastify";
import { EdgeProblem, sendProblem } from "./problem.js";
import { rpcFullName } from "./public-routes.js";
import { rpcMethodOf } from "./route-rpc.js";

/** The request header (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

/**
 * Money-moving POSTs: the one list of RPCs that require an `Idempotency-Key`
 * header. The edge copies the key into the request's `idempotency_key` and
 * forwards the header; the ledger answers the draft's cases (same key and
 * body: the original response; different body: IDEMPOTENCY_KEY_REUSED → 422;
 * still running: IDEMPOTENCY_KEY_IN_PROGRESS → 409), mapped by the core's
 * `toProblem`.
 */
export const MONEY_MOVING_RPCS: ReadonlySet<string> = new Set([
  "wallet.bff.v1.MobileBffService.Transfer",
  "wallet.bff.v1.MobileBffService.RequestRefund",
  "wallet.backoffice.v1.BackofficeService.IssueRefund",
  "wallet.backoffice.v1.BackofficeService.AdjustBalance",
]);

/** Whether `method` requires an Idempotency-Key. */
export function requiresIdempotencyKey(method: Pick<DescMethod, "name" | "parent">): boolean {
  return MONEY_MOVING_RPCS.has(rpcFullName(method));
}

/**
 * A key: 1 to 255 visible ASCII characters (the ledger's rule) without
 * quote or backslash. The draft's sf-string form (`"..."`) is accepted too.
 */
const KEY = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;

const missing = () =>
  new EdgeProblem(400, "Bad Request", "IDEMPOTENCY_KEY_MISSING", "this request moves money: send an Idempotency-Key header (a UUID)");

/**
 * The Idempotency-Key of `headers`, undefined when absent.
 *
 * @throws EdgeProblem 400 (IDEMPOTENCY_KEY_INVALID) when present but malformed or repeated.
 */
export function readIdempotencyKey(headers: FastifyRequest["headers"]): string | undefined {
  const raw = headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? undefined : raw.trim();
  const unquoted = value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (unquoted === undefined || !KEY.test(unquoted)) {
    throw new EdgeProblem(400, "Bad Request", "IDEMPOTENCY_KEY_INVALID", "Idempotency-Key must be one value of 1 to 255 visible ASCII characters (a UUID)");
  }
  return unquoted;
}

/**
 * onRequest hook (after authentication): on money-moving routes a missing or
 * malformed Idempotency-Key is refused with 400 problem+json.
 */
export async function idempotencyKeyHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const method = rpcMethodOf(request);
  if (!method || !requiresIdempotencyKey(method)) return undefined;
  try {
    if (readIdempotencyKey(request.headers) === undefined) return sendProblem(reply, missing());
  } catch (err) {
    if (err instanceof EdgeProblem) return sendProblem(reply, err);
    throw err;
  }
  return undefined;
}

/**
 * Copies the request's Idempotency-Key into `message.idempotencyKey` (a key
 * in the JSON body is overwritten) when the RPC's input has an
 * `idempotency_key` field; returns the key, or undefined when none was sent.
 *
 * @throws EdgeProblem 400 when the RPC requires a key and none (or a malformed one) was sent.
 */
export function applyIdempotencyKey(method: DescMethod, message: object, headers: FastifyRequest["headers"]): string | undefined {
  const key = readIdempotencyKey(headers);
  if (key === undefined) {
    if (requiresIdempotencyKey(method)) throw missing();
    return undefined;
  }
  const field = method.input.fields.find((f) => f.name === "idempotency_key");
  if (field) (message as Record<string, unknown>)[field.localName] = key;
  return key;
}
