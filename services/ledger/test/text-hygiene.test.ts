/**
 * The platform's text hygiene in front of a REAL ledger server: a request
 * string PostgreSQL cannot store (NUL, lone surrogate), in any field at any
 * depth, is refused with InvalidArgument naming the field before the handler
 * runs, where it used to reach the database and answer Internal.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { startService, type RunningService } from "#platform/server/index.js";
import { useResource } from "#platform/testing/index.js";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { createLedgerRoutes } from "../src/routes.js";
import { eur, openWallet, useLedger } from "./support/ledger-harness.js";

const ledger = useLedger();
const server = useResource(
  async (): Promise<RunningService> =>
    startService({
      name: "ledger",
      host: "127.0.0.1",
      grpcPort: 0,
      adminPort: 0,
      logger: createSilentLogger(),
      routes: createLedgerRoutes((await ledger()).deps),
      interceptors: [asVerifiedCaller("payments")],
    }),
  (s) => s.shutdown(),
);

let running: RunningService;
let client: Client<typeof LedgerService>;
let walletId: string;
before(async () => {
  running = await server();
  client = createClient(LedgerService, createGrpcTransport({ baseUrl: running.url }));
  walletId = await openWallet((await ledger()).client("mobile-bff"));
});

async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError);
    return err;
  }
  throw new Error("expected the call to be refused");
}

/** Asserts an INVALID_TEXT refusal naming `field` in ErrorInfo and BadRequest. */
function assertInvalidText(err: ConnectError, field: string): void {
  assert.equal(err.code, Code.InvalidArgument, err.message);
  const info = err.findDetails(ErrorInfoSchema)[0];
  assert.equal(info?.reason, "INVALID_TEXT");
  assert.equal(info?.metadata.field, field);
  assert.equal(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field, field);
  assert.ok(err.rawMessage.startsWith(`${field}: must not contain`), err.rawMessage);
}

const topUp = (overrides: Record<string, unknown>) =>
  client.topUp({ accountId: walletId, amount: eur(100), idempotencyKey: randomUUID(), ...overrides });

test("a NUL in a nested message field is refused naming amount.currency", async () => {
  assertInvalidText(await refusal(topUp({ amount: { amountMinor: 100n, currency: "EU\u0000" } })), "amount.currency");
});

test("a NUL in a map value or a map key is refused naming the entry", async () => {
  assertInvalidText(await refusal(topUp({ metadata: { note: "ok", ref: "abc\u0000" } })), 'metadata["ref"]');
  assertInvalidText(await refusal(topUp({ metadata: { "r\u0000f": "v" } })), 'metadata["r\\u0000f"]');
});

test("a NUL in a top-level and a repeated field is refused naming it", async () => {
  assertInvalidText(await refusal(topUp({ description: "statement\u0000text" })), "description");
  assertInvalidText(await refusal(client.verifyIntegrity({ accountIds: [walletId, `${walletId}\u0000`] })), "account_ids[1]");
});

test("the refused top-up never ran: the same key with clean text succeeds", async () => {
  const idempotencyKey = randomUUID();
  await refusal(topUp({ idempotencyKey, externalReference: "psp\u0000" }));
  const ok = await topUp({ idempotencyKey, externalReference: "psp-1" });
  assert.ok(ok.transaction?.id);
  assert.equal(ok.balance?.available?.amountMinor, 100n);
});

test("a lone surrogate over Connect JSON is refused with InvalidArgument naming the field", async () => {
  const response = await fetch(`${running.url}/wallet.ledger.v1.LedgerService/TopUp`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"accountId":"${walletId}","amount":{"amountMinor":"100","currency":"EUR"},"idempotencyKey":"${randomUUID()}","description":"\\ud800"}`,
  });
  assert.equal(response.status, 400);
  const body = (await response.json()) as { code: string; message: string };
  assert.equal(body.code, "invalid_argument");
  assert.match(body.message, /TopUpRequest\.description/);
});
