import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { FastifyInstance } from "fastify";
import { ErrorInfoSchema, RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { problemHeaders, toProblem } from "../src/rest/problem.js";
import { createFakeUpstream, createTestEdge } from "./rest-fixtures.js";

/** A ConnectError as an upstream sends it, with a google.rpc.ErrorInfo when a reason is given. */
function upstreamError(code: Code, message: string, reason?: string, metadata: Record<string, string> = {}): ConnectError {
  const details = reason ? [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "wallet.ledger.v1", metadata }) }] : [];
  return new ConnectError(message, code, undefined, details);
}

describe("Connect codes become HTTP statuses with problem+json bodies", () => {
  const table: { code: Code; reason?: string; status: number }[] = [
    { code: Code.InvalidArgument, reason: "INVALID_FIELD", status: 400 },
    { code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS", status: 401 },
    { code: Code.PermissionDenied, status: 403 },
    { code: Code.NotFound, reason: "ACCOUNT_NOT_FOUND", status: 404 },
    { code: Code.AlreadyExists, reason: "EMAIL_ALREADY_REGISTERED", status: 409 },
    { code: Code.FailedPrecondition, reason: "INSUFFICIENT_FUNDS", status: 422 },
    { code: Code.FailedPrecondition, reason: "IDEMPOTENCY_KEY_REUSED", status: 422 },
    { code: Code.FailedPrecondition, reason: "ACCOUNT_STATUS_CONFLICT", status: 409 },
    { code: Code.Aborted, reason: "IDEMPOTENCY_KEY_IN_PROGRESS", status: 409 },
    { code: Code.FailedPrecondition, reason: "IDEMPOTENCY_KEY_IN_PROGRESS", status: 409 },
    { code: Code.Unavailable, reason: "CONCURRENT_MODIFICATION", status: 503 },
    { code: Code.Aborted, reason: "CONCURRENT_MODIFICATION", status: 503 },
    { code: Code.ResourceExhausted, reason: "ACCOUNT_LOCKED", status: 429 },
    { code: Code.Unimplemented, status: 501 },
    { code: Code.Unavailable, status: 503 },
    { code: Code.DeadlineExceeded, status: 504 },
    { code: Code.Internal, status: 500 },
    { code: Code.Unknown, status: 500 },
    { code: Code.DataLoss, status: 500 },
  ];
  for (const row of table) {
    test(`${Code[row.code]}${row.reason ? ` with reason ${row.reason}` : ""} becomes ${row.status}`, () => {
      const problem = toProblem(upstreamError(row.code, "the upstream's message", row.reason), "req-1");
      assert.equal(problem.status, row.status);
      assert.equal(problem.requestId, "req-1");
      if (row.reason) {
        assert.equal(problem.reason, row.reason);
        assert.equal(problem.type, `urn:wallet:problem:${row.reason.toLowerCase().replace(/_/g, "-")}`);
      } else {
        assert.equal(problem.type, "about:blank");
      }
    });
  }

  test("a 4xx problem carries the upstream message as detail and the ErrorInfo reason and metadata", () => {
    const problem = toProblem(upstreamError(Code.FailedPrecondition, "balance too low", "INSUFFICIENT_FUNDS", { account_id: "acc-1" }));
    assert.deepEqual(problem, {
      type: "urn:wallet:problem:insufficient-funds",
      title: "Insufficient funds",
      status: 422,
      detail: "balance too low",
      reason: "INSUFFICIENT_FUNDS",
      metadata: { account_id: "acc-1" },
    });
  });

  test("a 5xx problem never carries the upstream message or metadata", () => {
    const problem = toProblem(upstreamError(Code.Internal, 'duplicate key value violates unique constraint "x" at 10.0.0.7:5432', "DB", { host: "10.0.0.7" }));
    assert.equal(problem.status, 500);
    assert.doesNotMatch(JSON.stringify(problem), /duplicate|10\.0\.0\.7|constraint/);
    assert.equal(problem.metadata, undefined);
  });

  test("an error that is not a ConnectError becomes a bare 500", () => {
    const problem = toProblem(new Error("connect ECONNREFUSED 10.1.2.3:8085"));
    assert.equal(problem.status, 500);
    assert.doesNotMatch(JSON.stringify(problem), /ECONNREFUSED|10\.1\.2\.3/);
  });

  test("a RetryInfo detail becomes a Retry-After header in whole seconds", () => {
    const err = new ConnectError("locked", Code.ResourceExhausted, undefined, [
      { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(2_500) }) },
    ]);
    assert.deepEqual(problemHeaders(err), { "retry-after": "3" });
  });

  test("a 503 whose upstream gave no RetryInfo still carries Retry-After, and other statuses do not", () => {
    assert.deepEqual(problemHeaders(upstreamError(Code.Unavailable, "ledger is unavailable: read ECONNRESET")), { "retry-after": "1" });
    assert.deepEqual(problemHeaders(upstreamError(Code.DeadlineExceeded, "slow")), {});
    assert.deepEqual(problemHeaders(upstreamError(Code.Aborted, "conflict", "IDEMPOTENCY_KEY_IN_PROGRESS")), {});
    assert.deepEqual(problemHeaders(upstreamError(Code.Unavailable, "gave up on a lock", "CONCURRENT_MODIFICATION")), { "retry-after": "1" });
  });
});

describe("upstream errors through the edge", () => {
  let app: FastifyInstance;
  let upstream: ReturnType<typeof createFakeUpstream>;

  before(async () => {
    ({ app, upstream } = await createTestEdge());
  });
  after(async () => {
    await app.close();
  });

  test("an upstream refusal is answered with its status and an application/problem+json body", async () => {
    upstream.answer = () => {
      throw upstreamError(Code.FailedPrecondition, "balance too low", "INSUFFICIENT_FUNDS");
    };
    const res = await app.inject({ method: "POST", url: "/v1/transfers", headers: { "x-request-id": "req-7" }, payload: { recipientEmail: "b@example.com" } });
    assert.equal(res.statusCode, 422);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    const body = res.json();
    assert.equal(body.reason, "INSUFFICIENT_FUNDS");
    assert.equal(body.detail, "balance too low");
    assert.equal(body.requestId, "req-7");
  });

  test("an unreachable upstream is answered 503 without its address", async () => {
    upstream.answer = () => {
      throw new ConnectError("connect ECONNREFUSED 127.0.0.1:8085", Code.Unavailable);
    };
    const res = await app.inject({ method: "GET", url: "/v1/accounts" });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers["retry-after"], "1");
    assert.doesNotMatch(res.body, /ECONNREFUSED|8085/);
  });
});
