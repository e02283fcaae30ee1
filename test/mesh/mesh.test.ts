import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { IdentityService } from "../../gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { BackofficeService } from "../../gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { createInternalAuthClientInterceptor } from "../../platform/internal-auth/index.js";
import { processes } from "../../platform/mesh/catalogue.js";
import { BUILD_DIR, builtEntryOf } from "../../platform/mesh/build-output.js";
import { grpcJsHealthCheck, grpcJsListServices } from "../../platform/testing/index.js";
import amqp from "amqplib";
import { meshStateNames } from "../../scripts/start/mesh-env.js";
import { scrapeMetricNames } from "../monitoring/exported-metrics.js";
import { metricOwnershipProblems } from "../monitoring/metric-ownership.js";
import { monitoringExpressions } from "../monitoring/monitoring-assets.js";
import { callEdge, onboardCustomer } from "./edge-client.js";
import { startMesh, type StartedMesh } from "./start-mesh.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

/** The service each gRPC port exposes besides health and reflection (the gateway serves REST instead). */
const ownService: Record<string, string | undefined> = {
  gateway: undefined,
  identity: "wallet.identity.v1.IdentityService",
  ledger: "wallet.ledger.v1.LedgerService",
  risk: "wallet.risk.v1.RiskService",
  notification: "wallet.notification.v1.NotificationService",
  "mobile-bff": "wallet.bff.v1.MobileBffService",
  backoffice: "wallet.backoffice.v1.BackofficeService",
};
const grpcProcesses = processes.filter((p) => p.grpcPort !== undefined);

/** The edge believes X-Forwarded-For from loopback, so each test can call from an address of its own. */
const meshEnv = { GATEWAY_TRUSTED_PROXIES: "loopback" };

describe("npm start", () => {
  let mesh: StartedMesh;
  /** A second mesh on the same PostgreSQL, Redis and RabbitMQ, started at the same time, from the production build. */
  let other: StartedMesh;
  const portOf = (name: string, of: StartedMesh = mesh) => grpcProcesses.find((p) => p.name === name)!.grpcPort! + of.offset;
  const edgeOf = (of: StartedMesh) => `http://127.0.0.1:${portOf("gateway", of)}`;

  before(async () => {
    const started = await Promise.allSettled([startMesh({ env: meshEnv }), startMesh({ env: meshEnv, fromBuild: true })]);
    for (const result of started) if (result.status === "fulfilled") (mesh ? (other = result.value) : (mesh = result.value));
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
  after(async () => {
    await Promise.all([mesh, other].map(async (m) => {
      await m?.stop();
      await m?.cleanup();
    }));
  });

  test("runs the seven gRPC services and every worker and reports each one ready", () => {
    assert.equal(grpcProcesses.length, 7);
    for (const entry of processes) {
      assert.match(mesh.output(), new RegExp(`${entry.name}\\s+(\\d+|-)\\s+${entry.adminPort + mesh.offset}\\s+ready`), `${entry.name} is ready`);
    }
  });

  test("the second mesh runs every process from the production build (npm run build): plain node on dist/ JavaScript, no TypeScript loader, each one ready", async () => {
    assert.match(other.output(), /processes from the build in dist\//);
    for (const entry of processes) {
      assert.match(other.output(), new RegExp(`${entry.name}\\s+(\\d+|-)\\s+${entry.adminPort + other.offset}\\s+ready`), `${entry.name} is ready`);
      const pid = other.pidOf(entry.name);
      const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
      assert.deepEqual(argv.slice(1), [path.join(repoRoot, BUILD_DIR, builtEntryOf(entry))], `${entry.name}: ${argv.join(" ")}`);
      const nodeOptions = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").find((line) => line.startsWith("NODE_OPTIONS="));
      assert.doesNotMatch(nodeOptions ?? "", /tsx/, entry.name);
    }
  });

  for (const entry of grpcProcesses) {
    test(`${entry.name} answers the gRPC health check as SERVING to grpc-js`, async () => {
      assert.equal(await grpcJsHealthCheck(`127.0.0.1:${portOf(entry.name)}`), "SERVING");
    });

    test(`${entry.name} lists its services through reflection v1 and v1alpha to grpc-js`, async () => {
      for (const version of ["v1", "v1alpha"] as const) {
        const services = await grpcJsListServices(`127.0.0.1:${portOf(entry.name)}`, version);
        assert.ok(services.includes("grpc.health.v1.Health"), `${version}: ${services.join(", ")}`);
        const own = ownService[entry.name];
        if (own) assert.ok(services.includes(own), `${version}: ${services.join(", ")}`);
      }
    });
  }

  test("buf curl checks health and lists methods through reflection on every gRPC port", async () => {
    const buf = path.join(repoRoot, "node_modules/.bin/buf");
    for (const entry of grpcProcesses) {
      const base = `http://127.0.0.1:${portOf(entry.name)}`;
      const health = await run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", `${base}/grpc.health.v1.Health/Check`]);
      assert.equal(JSON.parse(health.stdout).status, "SERVING", entry.name);
      const methods = await run(buf, ["curl", "--list-methods", "--http2-prior-knowledge", base]);
      assert.match(methods.stdout, /grpc\.health\.v1\.Health\/Check/, entry.name);
      const own = ownService[entry.name];
      if (own) assert.ok(methods.stdout.includes(`${own}/`), `${entry.name}: ${methods.stdout}`);
    }
  });

  test("every metric an alert rule or a dashboard uses is exported by a process of the running mesh: the process its selector names, else one of the service its prefix names, else any", async () => {
    // What each process's registry exports, from its /metrics (# TYPE lines: a metric is listed before its first sample).
    const exported = new Map(await Promise.all(processes.map(async (p) => [p.name, await scrapeMetricNames(`http://127.0.0.1:${p.adminPort + mesh.offset}/metrics`)] as const)));
    const expressions = monitoringExpressions();
    assert.ok(expressions.length > 0);
    assert.deepEqual(metricOwnershipProblems(expressions, processes, exported), []);
  });

  const signedTransport = (name: string, callerId = "backoffice") =>
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${portOf(name)}`, interceptors: [mesh.signer(callerId)] });

  test("a signed call reaches the ledger's handlers, which answer from its migrated database", async () => {
    const ledger = createClient(LedgerService, signedTransport("ledger"));
    await assert.rejects(ledger.getAccount({ accountId: "00000000-0000-0000-0000-000000000000" }), (err) => {
      assert.equal(ConnectError.from(err).code, Code.NotFound);
      return true;
    });
  });

  test("a signed call to the backoffice without a staff token is refused Unauthenticated, after its audit entry is written to its migrated database", async () => {
    const backoffice = createClient(BackofficeService, signedTransport("backoffice", "gateway"));
    await assert.rejects(backoffice.searchUsers({}), (err) => {
      const error = ConnectError.from(err);
      assert.equal(error.code, Code.Unauthenticated, error.message);
      assert.match(error.rawMessage, /staff/);
      return true;
    });
  });

  test("a sign-up at the edge reaches the local provider sink as one verification email, through identity's outbox, RabbitMQ, the notification consumer and the delivery worker", async () => {
    const email = `mesh-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const signUp = await fetch(`http://127.0.0.1:${portOf("gateway")}/v1/identity/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: `mesh sign-up ${Math.random()}` }),
    });
    assert.equal(signUp.status, 200, await signUp.clone().text());
    type Sunk = { channel: string; to: string; subject?: string; body: string };
    let received: Sunk[] = [];
    for (let i = 0; i < 100 && received.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const sink = (await (await fetch(`http://127.0.0.1:${1026 + mesh.offset}/messages`)).json()) as { messages: Sunk[] };
      received = sink.messages.filter((m) => m.to === email);
    }
    assert.equal(received.length, 1, "one email to the new address");
    assert.equal(received[0]!.channel, "email");
    assert.match(received[0]!.body, /confirm your email address: \S+\r?\n/, "the code reads as sent, not quoted-printable");
  });

  test("the ledger credits a wallet for no one but the payments system: another service's call is refused per method, another caller's key and a made-up caller are refused outright", async () => {
    const ledgerAs = (interceptor: ReturnType<StartedMesh["signer"]>) =>
      createClient(LedgerService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${portOf("ledger")}`, interceptors: [interceptor] }));
    const topUp = { accountId: "00000000-0000-0000-0000-000000000000", amount: { amountMinor: 100n, currency: "EUR" }, idempotencyKey: randomUUID() };
    const codeOf = (call: Promise<unknown>) => call.then(() => assert.fail("the call was accepted"), (err: unknown) => ConnectError.from(err));
    // mobile-bff may call the ledger, but not TopUp.
    const outsideGraph = await codeOf(ledgerAs(mesh.signer("mobile-bff")).topUp(topUp));
    assert.equal(outsideGraph.code, Code.PermissionDenied);
    assert.equal(outsideGraph.rawMessage, "TopUp is open only to payments");
    // The gateway calls nothing on the ledger: its default allowed callers (from the graph) leave it out altogether.
    assert.equal((await codeOf(ledgerAs(mesh.signer("gateway")).topUp(topUp))).code, Code.Unauthenticated);
    assert.equal((await codeOf(ledgerAs(mesh.signer("mobile-bff", { claim: "payments" })).topUp(topUp))).code, Code.Unauthenticated, "mobile-bff's key does not sign for payments");
    const intruder = createInternalAuthClientInterceptor({ callerId: "intruder-not-a-service", keyId: "test", secret: "a-secret-of-no-caller-of-this-mesh-0123456789" });
    assert.equal((await codeOf(ledgerAs(intruder).topUp(topUp))).code, Code.Unauthenticated);
    // The payments system gets through to the handler, which looks for the account.
    assert.equal((await codeOf(ledgerAs(mesh.signer("payments")).topUp(topUp))).code, Code.NotFound);
  });

  test("identity refuses per method too, and mobile-bff's key that the ledger holds signs nothing at identity", async () => {
    const identityAs = (interceptor: ReturnType<StartedMesh["signer"]>) =>
      createClient(IdentityService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${portOf("identity")}`, interceptors: [interceptor] }));
    const lookup = { key: { case: "email" as const, value: `nobody-${randomUUID()}@example.com` } };
    const errorOf = (call: Promise<unknown>) => call.then(() => assert.fail("the call was accepted"), (err: unknown) => ConnectError.from(err));
    const outsideGraph = await errorOf(identityAs(mesh.signer("gateway")).lookupUser(lookup));
    assert.equal(outsideGraph.code, Code.PermissionDenied);
    assert.equal(outsideGraph.rawMessage, "LookupUser is open only to mobile-bff");
    assert.equal((await errorOf(identityAs(mesh.signer("mobile-bff", { heldBy: "ledger" })).lookupUser(lookup))).code, Code.Unauthenticated);
    assert.equal((await errorOf(identityAs(mesh.signer("mobile-bff")).lookupUser(lookup))).code, Code.NotFound, "mobile-bff itself reaches the handler");
  });

  test("an unsigned call is refused with Unauthenticated before any handler runs", async () => {
    const ledger = createClient(LedgerService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${portOf("ledger")}` }));
    await assert.rejects(ledger.getBalance({}), (err) => {
      assert.equal(ConnectError.from(err).code, Code.Unauthenticated);
      return true;
    });
  });

  test("on shifted ports, an access token from the edge is accepted on an authenticated route (identity's key set is found on its shifted port)", async () => {
    const customer = await onboardCustomer(edgeOf(mesh), "198.51.100.10");
    const bootstrap = await callEdge(edgeOf(mesh), customer, "GET", "/v1/bootstrap");
    assert.equal(bootstrap.status, 200, JSON.stringify(bootstrap.body));
    assert.equal(bootstrap.body.profile.userId, customer.userId);
  });

  test("a customer of one mesh is unknown to the second mesh", async () => {
    const customer = await onboardCustomer(edgeOf(mesh), "198.51.100.11");
    const device = { deviceId: customer.deviceId, name: "Test iPhone", platform: "PLATFORM_IOS", appVersion: "3.14.0" };
    const login = await callEdge(edgeOf(other), { ip: "198.51.100.11" }, "POST", "/v1/identity/login", { body: { email: customer.email, password: customer.password, device } });
    assert.equal(login.status, 401, JSON.stringify(login.body));
    const foreignToken = await callEdge(edgeOf(other), customer, "GET", "/v1/bootstrap");
    assert.equal(foreignToken.status, 401, "the first mesh's token is refused by the second's edge");
  });

  test("an event of one mesh reaches its own exchange and not the second mesh's", async (t) => {
    const connection = await amqp.connect(process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
    t.after(() => connection.close());
    const channel = await connection.createChannel();
    const listen = async (of: StartedMesh) => {
      const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, meshStateNames(of.name).OUTBOX_EXCHANGE!, "#");
      const bodies: string[] = [];
      await channel.consume(queue, (message) => message && bodies.push(message.content.toString("latin1")), { noAck: true });
      return bodies;
    };
    const [own, foreign] = [await listen(mesh), await listen(other)];

    const customer = await onboardCustomer(edgeOf(mesh), "198.51.100.12");
    for (let i = 0; i < 100 && !own.some((body) => body.includes(customer.userId)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));

    assert.ok(own.some((body) => body.includes(customer.userId)), "the customer's events reach the first mesh's exchange");
    assert.equal(foreign.filter((body) => body.includes(customer.userId)).length, 0, "none reaches the second mesh's exchange");
  });

  test("a rate limit spent on one mesh's edge does not count on the second mesh's edge", async () => {
    const caller = { ip: "198.51.100.13" };
    const attempt = (of: StartedMesh) =>
      callEdge(edgeOf(of), caller, "POST", "/v1/identity/login", { body: { email: "nobody@example.com", password: "wrong password 123", device: { deviceId: "d1" } } });
    let last = await attempt(mesh);
    for (let i = 0; i < 30 && last.status !== 429; i++) last = await attempt(mesh);
    assert.equal(last.status, 429, "the first mesh's sensitive-route limit is spent");
    assert.notEqual((await attempt(other)).status, 429);
  });

  test("a process killed with kill -9 is restarted and ready again, while every other process keeps running", async () => {
    const victim = "ledger-outbox-relay";
    const pidsBefore = new Map(processes.map((p) => [p.name, mesh.pidOf(p.name)]));
    process.kill(pidsBefore.get(victim)!, "SIGKILL");
    for (let i = 0; i < 300 && !mesh.output().includes(`${victim} is ready again after restart 1`); i++) await new Promise((resolve) => setTimeout(resolve, 100));

    assert.match(mesh.output(), new RegExp(`${victim} exited unexpectedly \\(SIGKILL\\); restarting`));
    assert.match(mesh.output(), new RegExp(`${victim} is ready again after restart 1`));
    assert.match(mesh.output(), new RegExp(`${victim}\\s+-\\s+\\d+\\s+ready\\s+1\\s+${mesh.pidOf(victim)}`), "the table shows the restart and the new pid");
    assert.notEqual(mesh.pidOf(victim), pidsBefore.get(victim));
    for (const [name, pid] of pidsBefore) if (name !== victim) assert.equal(mesh.pidOf(name), pid, `${name} was not restarted`);
    assert.equal(mesh.child.exitCode, null, "the mesh is still running");
    assert.doesNotMatch(mesh.output(), /stopping every process/);
  });

  test("Ctrl-C stops every process and exits 0", async () => {
    assert.equal(await mesh.stop(), 0);
    assert.match(mesh.output(), /stopped: every process exited cleanly/);
  });

  test("Ctrl-C stops every process of the mesh from the build and exits 0", async () => {
    assert.equal(await other.stop(), 0);
    assert.match(other.output(), /stopped: every process exited cleanly/);
  });
});
