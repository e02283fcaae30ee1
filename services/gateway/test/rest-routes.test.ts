import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create, hasOption, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { FastifyInstance } from "fastify";
import {
  GetBalanceResponseSchema,
  GetStatementRequestSchema,
  ListNotificationsRequestSchema,
  RevokeDeviceRequestSchema,
  TransferRequestSchema,
  type GetStatementRequest,
  type ListNotificationsRequest,
  type RequestRefundRequest,
  type RevokeDeviceRequest,
  type TransferRequest,
} from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { http } from "#gen/google/api/annotations_pb.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import { collectBindings } from "../src/rest/bindings.js";
import { exposedServices } from "../src/rest/exposed-services.js";
import { createFakeUpstream, createTestEdge, onlyCall } from "./rest-fixtures.js";

describe("REST routes from the google.api.http annotations", () => {
  let app: FastifyInstance;
  let upstream: ReturnType<typeof createFakeUpstream>;

  before(async () => {
    ({ app, upstream } = await createTestEdge());
  });
  after(async () => {
    await app.close();
  });
  beforeEach(() => {
    upstream.calls.length = 0;
    upstream.answer = undefined;
  });

  test("a GET with a path variable and nested query parameters reaches the RPC with the right request message", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/accounts/acc-1/statement?page.page_size=10&page.page_token=tok%201&time_range.start_time=2024-05-01T00:00:00Z",
    });
    assert.equal(res.statusCode, 200, res.body);
    const call = onlyCall(upstream);
    assert.equal(call.service.typeName, "wallet.bff.v1.MobileBffService");
    assert.equal(call.method.name, "GetStatement");
    const request = call.request as GetStatementRequest;
    assert.equal(request.$typeName, GetStatementRequestSchema.typeName);
    assert.equal(request.accountId, "acc-1");
    assert.equal(request.page?.pageSize, 10);
    assert.equal(request.page?.pageToken, "tok 1");
    assert.equal(request.timeRange?.startTime?.seconds, BigInt(Date.UTC(2024, 4, 1) / 1000));
  });

  test("query parameters accept lowerCamel JSON names as well as proto names", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/accounts/acc-1/statement?page.pageSize=7&timeRange.endTime=2024-06-01T00:00:00Z" });
    assert.equal(res.statusCode, 200, res.body);
    const request = onlyCall(upstream).request as GetStatementRequest;
    assert.equal(request.page?.pageSize, 7);
    assert.ok(request.timeRange?.endTime);
  });

  test("an enum query parameter is given by its value name", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/notifications?channel=CHANNEL_EMAIL" });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((onlyCall(upstream).request as ListNotificationsRequest).channel, Channel.EMAIL);
    assert.equal(ListNotificationsRequestSchema.typeName, onlyCall(upstream).request.$typeName);
  });

  test("a percent-encoded path variable is decoded", async () => {
    const res = await app.inject({ method: "DELETE", url: "/v1/devices/dev%2F1" });
    assert.equal(res.statusCode, 200, res.body);
    const request = onlyCall(upstream).request as RevokeDeviceRequest;
    assert.equal(request.$typeName, RevokeDeviceRequestSchema.typeName);
    assert.equal(request.deviceId, "dev/1");
  });

  test("a POST with a JSON body reaches the RPC with the body's fields, int64 given as a string", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/transfers",
      payload: { recipientEmail: "b@example.com", amount: { amountMinor: "12345", currency: "EUR" }, description: "rent" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const request = onlyCall(upstream).request as TransferRequest;
    assert.equal(request.$typeName, TransferRequestSchema.typeName);
    assert.deepEqual(request.recipient, { case: "recipientEmail", value: "b@example.com" });
    assert.equal(request.amount?.amountMinor, 12345n);
    assert.equal(request.amount?.currency, "EUR");
    assert.equal(request.description, "rent");
  });

  test("a body accepts original proto field names as protobuf JSON does", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/transfers",
      payload: { recipient_phone: "+33600000000", amount: { amount_minor: 5, currency: "EUR" } },
    });
    assert.equal(res.statusCode, 200, res.body);
    const request = onlyCall(upstream).request as TransferRequest;
    assert.deepEqual(request.recipient, { case: "recipientPhone", value: "+33600000000" });
    assert.equal(request.amount?.amountMinor, 5n);
  });

  test("the Idempotency-Key header fills idempotency_key and wins over a value in the body", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/transfers",
      headers: { "idempotency-key": "key-from-header" },
      payload: { recipientEmail: "b@example.com", amount: { amountMinor: "1", currency: "EUR" }, idempotencyKey: "key-from-body" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const call = onlyCall(upstream);
    assert.equal((call.request as TransferRequest).idempotencyKey, "key-from-header");
    assert.equal(call.context.headers.get("idempotency-key"), "key-from-header");
  });

  test("a path variable in a POST route comes from the path, the rest from the body", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/transactions/tx-9/refunds",
      payload: { amount: { amountMinor: "100", currency: "EUR" }, reason: "broken" },
    });
    assert.equal(res.statusCode, 200, res.body);
    const call = onlyCall(upstream);
    assert.equal(call.method.name, "RequestRefund");
    const request = call.request as RequestRefundRequest;
    assert.equal(request.transactionId, "tx-9");
    assert.equal(request.reason, "broken");
  });

  test("the response is the RPC's response in the protobuf JSON mapping", async () => {
    const response = create(GetBalanceResponseSchema, {
      balance: {
        posted: { amountMinor: 9_007_199_254_740_993n, currency: "EUR" },
        asOf: timestampFromDate(new Date("2024-05-01T10:00:00Z")),
      },
    });
    upstream.answer = () => response;
    const res = await app.inject({ method: "GET", url: "/v1/accounts/acc-1/balance" });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    const body = res.json();
    assert.equal(body.balance.posted.amountMinor, "9007199254740993");
    assert.equal(body.balance.asOf, "2024-05-01T10:00:00Z");
    assert.deepEqual(body, toJson(GetBalanceResponseSchema, response, { alwaysEmitImplicit: true }));
  });

  test("the upstream call carries the authorization, request id, client address and user agent", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/accounts",
      headers: { authorization: "Bearer abc", "x-request-id": "req-42", "user-agent": "WalletApp/1.0" },
      remoteAddress: "203.0.113.9",
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers["x-request-id"], "req-42");
    const { context } = onlyCall(upstream);
    assert.equal(context.requestId, "req-42");
    assert.equal(context.headers.get("authorization"), "Bearer abc");
    assert.equal(context.headers.get("x-request-id"), "req-42");
    assert.equal(context.headers.get("x-client-ip"), "203.0.113.9");
    assert.equal(context.headers.get("x-client-user-agent"), "WalletApp/1.0");
  });

  test("headers other than the forwarded ones never reach the upstream", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/accounts", headers: { "x-internal-subject": "someone-else", cookie: "a=b" } });
    assert.equal(res.statusCode, 200, res.body);
    const { context } = onlyCall(upstream);
    assert.equal(context.headers.get("x-internal-subject"), null);
    assert.equal(context.headers.get("cookie"), null);
  });

  test("an additional binding is a route of its own to the same RPC", async () => {
    for (const url of ["/v1/identity/jwks", "/.well-known/jwks.json"]) {
      const res = await app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    }
    assert.deepEqual(
      upstream.calls.map((c) => `${c.service.typeName}.${c.method.name}`),
      ["wallet.identity.v1.IdentityService.GetJwks", "wallet.identity.v1.IdentityService.GetJwks"],
    );
  });

  test("annotated RPCs of every exposed service have routes and unannotated ones have none", () => {
    assert.ok(app.hasRoute({ method: "POST", url: "/v1/identity/login" }));
    assert.ok(app.hasRoute({ method: "POST", url: "/v1/admin/users/:user_id/lock" }));
    assert.ok(app.hasRoute({ method: "GET", url: "/v1/accounts/:account_id/balance" }));
    const bound = collectBindings(exposedServices).map((b) => b.method.name);
    assert.ok(IdentityService.methods.some((m) => m.name === "IntrospectToken"));
    assert.ok(!bound.includes("IntrospectToken"));
    assert.ok(!bound.includes("LookupUser"));
  });

  test("every annotated backoffice RPC has its admin route, the approval, adjustment and MFA reset ones included", () => {
    const admin = collectBindings([BackofficeService]);
    assert.equal(admin.length, BackofficeService.methods.filter((m) => hasOption(m, http)).length);
    for (const binding of admin) {
      assert.match(binding.openApiPath, /^\/v1\/admin\//, binding.operationId);
      assert.ok(app.hasRoute({ method: binding.httpMethod as "GET", url: binding.fastifyPath }), `${binding.httpMethod} ${binding.fastifyPath}`);
    }
    for (const [method, url] of [
      ["GET", "/v1/admin/approval-requests"],
      ["GET", "/v1/admin/approval-requests/:approval_id"],
      ["POST", "/v1/admin/approval-requests/:approval_id/approve"],
      ["POST", "/v1/admin/approval-requests/:approval_id/reject"],
      ["POST", "/v1/admin/approval-requests/:approval_id/cancel"],
      ["POST", "/v1/admin/accounts/:account_id/adjustments"],
      ["POST", "/v1/admin/users/:user_id/mfa/reset"],
    ] as const) {
      assert.ok(app.hasRoute({ method, url }), `${method} ${url}`);
    }
  });

  test("an unknown path answers 404 problem+json", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/nothing-here" });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(res.json().status, 404);
    assert.equal(upstream.calls.length, 0);
  });
});

describe("REST request validation", () => {
  let app: FastifyInstance;
  let upstream: ReturnType<typeof createFakeUpstream>;

  before(async () => {
    ({ app, upstream } = await createTestEdge());
  });
  after(async () => {
    await app.close();
  });
  beforeEach(() => {
    upstream.calls.length = 0;
  });

  const post = (payload: unknown) => app.inject({ method: "POST", url: "/v1/transfers", payload: payload as object });

  test("an unknown JSON field is refused with 400 problem+json naming the field", async () => {
    const res = await post({ recipientEmail: "b@example.com", amount: { amountMinor: "1", currency: "EUR", colour: "red" } });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    const problem = res.json();
    assert.equal(problem.status, 400);
    assert.equal(problem.reason, "UNKNOWN_FIELD");
    assert.deepEqual(problem.metadata, { field: "amount.colour" });
    assert.match(problem.detail, /amount\.colour/);
    assert.equal(upstream.calls.length, 0);
  });

  test("a value of the wrong type is refused with 400 naming the field", async () => {
    const res = await post({ recipientEmail: "b@example.com", amount: { amountMinor: "1", currency: "EUR" }, description: 42 });
    assert.equal(res.statusCode, 400);
    const problem = res.json();
    assert.equal(problem.reason, "INVALID_FIELD");
    assert.deepEqual(problem.metadata, { field: "description" });
    assert.match(problem.detail, /expected a string/);
    assert.equal(upstream.calls.length, 0);
  });

  test("an int64 that is not a decimal integer is refused with 400", async () => {
    const res = await post({ recipientEmail: "b@example.com", amount: { amountMinor: "12.5", currency: "EUR" } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().metadata, { field: "amount.amountMinor" });
  });

  test("two members of one oneof are refused with 400", async () => {
    const res = await post({ recipientEmail: "b@example.com", recipientPhone: "+33600000000", amount: { amountMinor: "1", currency: "EUR" } });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().detail, /oneof recipient/);
  });

  test("a body that is not a JSON object is refused with 400", async () => {
    const res = await app.inject({ method: "POST", url: "/v1/transfers", headers: { "content-type": "application/json" }, payload: "[1,2]" });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().reason, "INVALID_BODY");
  });

  test("an unknown query parameter is refused with 400 naming it", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/accounts/acc-1/statement?page.page_sise=10" });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().reason, "UNKNOWN_FIELD");
    assert.deepEqual(res.json().metadata, { field: "page.page_sise" });
    assert.equal(upstream.calls.length, 0);
  });

  test("a query parameter of the wrong type is refused with 400 naming it", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/accounts/acc-1/statement?page.page_size=ten" });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().reason, "INVALID_FIELD");
    assert.deepEqual(res.json().metadata, { field: "page.page_size" });
  });

  test("an unknown enum name in the query string is refused with 400 listing the values", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/notifications?channel=CHANNEL_PIGEON" });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().detail, /CHANNEL_EMAIL/);
  });

  test("a malformed timestamp in the query string is refused with 400", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/accounts/acc-1/statement?time_range.start_time=yesterday" });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().metadata, { field: "time_range.start_time" });
  });

  test("a query parameter on a route whose body takes the whole message is refused with 400", async () => {
    const res = await app.inject({ method: "POST", url: "/v1/transfers?description=x", payload: { recipientEmail: "b@example.com" } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().metadata, { field: "description" });
    assert.equal(upstream.calls.length, 0);
  });

  test("a query parameter cannot override a path variable", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/accounts/acc-1/statement?account_id=acc-2" });
    assert.equal(res.statusCode, 400);
    assert.equal(upstream.calls.length, 0);
  });
});
