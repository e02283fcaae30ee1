import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { errorInfoOf, fromUpstream } from "../src/transport/upstream-errors.js";

const withInfo = (code: Code, reason: string) =>
  new ConnectError("refused", code, undefined, [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "wallet.ledger.v1", metadata: { account_id: "a" } }) }]);

test("an upstream refusal keeps its code, message and ErrorInfo", () => {
  const passed = fromUpstream(withInfo(Code.Aborted, "IDEMPOTENCY_KEY_IN_PROGRESS"), "ledger");
  assert.equal(passed.code, Code.Aborted);
  assert.equal(passed.rawMessage, "refused");
  assert.deepEqual(errorInfoOf(passed), { reason: "IDEMPOTENCY_KEY_IN_PROGRESS", domain: "wallet.ledger.v1", metadata: { account_id: "a" } });
});

test("an upstream's internal error becomes a bare Internal without its message", () => {
  const passed = fromUpstream(new ConnectError("relation \"accounts\" does not exist", Code.Internal), "ledger");
  assert.equal(passed.code, Code.Internal);
  assert.equal(passed.rawMessage, "internal error");
});

test("an upstream's refusal of the BFF's own credentials becomes Internal, not Unauthenticated", () => {
  const passed = fromUpstream(new ConnectError("unauthenticated", Code.Unauthenticated), "ledger");
  assert.equal(passed.code, Code.Internal);
});

test("an upstream's Unauthenticated with a reason is the user's and passes through", () => {
  const passed = fromUpstream(withInfo(Code.Unauthenticated, "TOKEN_INVALID"), "identity");
  assert.equal(passed.code, Code.Unauthenticated);
});

test("unavailable and deadline errors pass through for the edge's retries and breaker", () => {
  assert.equal(fromUpstream(new ConnectError("down", Code.Unavailable), "ledger").code, Code.Unavailable);
  assert.equal(fromUpstream(new ConnectError("slow", Code.DeadlineExceeded), "ledger").code, Code.DeadlineExceeded);
});
