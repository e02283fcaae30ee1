/**
 * The fault suite: a real mesh (`npm start`) whose Redis, RabbitMQ and
 * ledger→risk connections run through fault proxies, 32 careful clients
 * moving money through the REST edge (and holds straight at the ledger, which
 * the edge does not expose), and meanwhile `kill -9` of the ledger, its relay,
 * risk and the BFF, a RabbitMQ cut, a Redis cut and a black-holed risk. The
 * shared servers themselves are never stopped: other tests use them.
 *
 * Then it judges: the wallets' total never moved, no wallet went negative,
 * `ledger:verify` is clean, every success the clients saw is posted exactly
 * once and nothing else, every outbox event reached the suite's queue and
 * ended `sent`, and no answer was a 5xx other than 503/504 or a 409/422
 * without a real conflict.
 */
import { randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { RiskService } from "../../gen/wallet/risk/v1/risk_service_pb.js";
import { RuleKind } from "../../gen/wallet/risk/v1/rule_pb.js";
import { createServiceClient } from "../../platform/clients/index.js";
import { processByName } from "../../platform/mesh/catalogue.js";
import { createTcpProxy, testInfrastructure, type TcpProxy } from "../../platform/testing/index.js";
import { onboardCustomer, type EdgeCustomer } from "../mesh/edge-client.js";
import { startMesh, type StartedMesh } from "../mesh/start-mesh.js";
import { carefulPost, carefulRpc, type Attempt, type Outcome } from "./careful-app.js";
import { judgeAttempts } from "./judge-attempts.js";
import { createLedgerObserver, tapEvents } from "./ledger-observer.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

/** How long and how hard the suite pushes. */
export interface ChaosOptions {
  readonly clients: number;
  /** Traffic before the first fault. */
  readonly warmupMs: number;
  /** How long a cut (RabbitMQ, Redis, risk black-holed) lasts. */
  readonly cutMs: number;
  /** Traffic between two faults. */
  readonly gapMs: number;
  /** Traffic after the last fault. */
  readonly cooldownMs: number;
  /** Progress lines; default none. */
  readonly log?: (line: string) => void;
}

/** What one fault did to the clients. */
export interface FaultFigures {
  readonly fault: string;
  /** From the fault's start until its process was ready again or the cut was restored. */
  readonly downMs: number;
  /** Statuses of the attempts sent from the fault's start until 2 s after its end. */
  readonly statuses: Record<string, number>;
  /** From the fault's end until a request sent after it succeeded. */
  readonly firstSuccessAfterMs: number | null;
  /** From the fault's end until the next ledger event reached the suite's queue. */
  readonly firstEventAfterMs: number | null;
}

export interface ChaosReport {
  readonly figures: Record<string, unknown>;
  /** Each broken promise, as a sentence; empty when the mesh held. */
  readonly violations: string[];
}

const WALLET_FUNDS = 1_000_000n;
const eur = (amountMinor: number) => ({ amountMinor: String(amountMinor), currency: "EUR" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
/** Mostly small amounts (risk fails open for them), some above LEDGER_RISK_FAIL_OPEN_BELOW (they fail closed). */
const amount = () => (Math.random() < 0.1 ? 20_000 : 100 + Math.floor(Math.random() * 4_900));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const infra = await testInfrastructure();
  const hostPort = (url: string) => ({ targetHost: new URL(url).hostname, targetPort: Number(new URL(url).port) });
  const redisProxy = await createTcpProxy(hostPort(infra.redisUrl));
  const amqpProxy = await createTcpProxy(hostPort(infra.amqpUrl));
  let riskProxy: TcpProxy | undefined;
  let mesh: StartedMesh | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    log("starting the mesh behind fault proxies");
    mesh = await startMesh({
      env: async (offset) => {
        riskProxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: processByName("risk").grpcPort! + offset });
        return {
          REDIS_URL: redisProxy.url(infra.redisUrl),
          AMQP_URL: amqpProxy.url(infra.amqpUrl),
          RISK_URL: `http://127.0.0.1:${riskProxy.port}`,
          GATEWAY_TRUSTED_PROXIES: "loopback",
          GATEWAY_RATE_LIMIT_PER_IP: "1000000",
          GATEWAY_RATE_LIMIT_PER_USER: "1000000",
          GATEWAY_RATE_LIMIT_SENSITIVE: "1000000",
          RISK_RULES_REFRESH: "1s",
          LOG_LEVEL: "warn",
        };
      },
    });
    const started = mesh;
    const edgeUrl = `http://127.0.0.1:${processByName("gateway").grpcPort! + started.offset}`;
    // The suite calls as the mesh's call graph says: top-ups and holds are the payments system's, risk rules the backoffice's.
    const grpcUrl = (name: string) => `http://127.0.0.1:${processByName(name).grpcPort! + started.offset}`;
    const ledger = createServiceClient(LedgerService, { baseUrl: grpcUrl("ledger"), internalAuth: started.signer("payments"), defaultTimeoutMs: 5_000 });
    const risk = createServiceClient(RiskService, { baseUrl: grpcUrl("risk"), internalAuth: started.signer("backoffice") });

    // 32 users sending as fast as they can would trip every velocity rule; the suite tests faults, not risk.
    const { rules } = await risk.listRules({ kind: RuleKind.VELOCITY_COUNT });
    for (const rule of rules) await risk.upsertRule({ rule: { ...rule, enabled: false }, expectedVersion: rule.version });

    const tap = await tapEvents(infra.amqpUrl, `${started.name}.events`, "ledger.#");
    closers.push(() => tap.close());

    log(`onboarding ${options.clients} customers`);
    const customers: EdgeCustomer[] = [];
    for (let i = 0; i < options.clients; i++) customers.push(await onboardCustomer(edgeUrl, `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`));
    for (const customer of customers) {
      await ledger.topUp({ accountId: customer.accountId, amount: { amountMinor: WALLET_FUNDS, currency: "EUR" }, idempotencyKey: randomUUID(), description: "chaos funding" });
    }
    const observer = createLedgerObserver(started.databaseUrl("ledger"), customers.map((c) => c.accountId));
    closers.push(() => observer.close());
    await sleep(1_500); // risk reloads its rules every second here

    const initial = await observer.sample();
    const stopSampling = observer.sampleEvery(500);
    const attempts: Attempt[] = [];
    const record = (attempt: Attempt) => attempts.push(attempt);
    const retry = { deadlineMs: 60_000, record };

    /** Every logical request and its final outcome. */
    const requests: Array<{ operation: string; outcome: Outcome; resend?: () => Promise<Outcome> }> = [];
    const refundable = new Map<string, Array<{ transactionId: string; remaining: number }>>();
    const posted = { transfer: new Set<string>(), refund: new Set<string>(), capture: new Set<string>() };
    const holdStatus = new Map<string, string>();

    const keep = (operation: string, outcome: Outcome, resend: () => Promise<Outcome>) => {
      requests.push({ operation, outcome, resend });
      return outcome;
    };
    const onTransfer = (sender: EdgeCustomer, recipient: EdgeCustomer, value: number, outcome: Outcome) => {
      if (outcome.kind !== "success") return;
      posted.transfer.add(outcome.body.transaction.id);
      refundable.set(recipient.accountId, [...(refundable.get(recipient.accountId) ?? []), { transactionId: outcome.body.transaction.id, remaining: value }]);
    };

    async function transfer(sender: EdgeCustomer): Promise<void> {
      const recipient = pick(customers.filter((c) => c !== sender));
      const value = amount();
      const key = randomUUID();
      const send = () => carefulPost(edgeUrl, sender, "transfer", "/v1/transfers", { recipientAccountId: recipient.accountId, amount: eur(value), description: "chaos" }, key, retry);
      onTransfer(sender, recipient, value, keep("transfer", await send(), send));
    }

    async function refund(customer: EdgeCustomer): Promise<void> {
      const candidates = (refundable.get(customer.accountId) ?? []).filter((t) => t.remaining > 0);
      if (candidates.length === 0) return transfer(customer);
      const original = pick(candidates);
      const value = Math.max(1, Math.floor(original.remaining / 2));
      original.remaining -= value; // spoken for, whatever the answer: a refused refund is not sent again with another amount
      const key = randomUUID();
      const send = () => carefulPost(edgeUrl, customer, "refund", `/v1/transactions/${original.transactionId}/refunds`, { amount: eur(value), reason: "chaos" }, key, retry);
      const outcome = keep("refund", await send(), send);
      if (outcome.kind === "success") posted.refund.add(outcome.body.refund.id);
    }

    async function hold(customer: EdgeCustomer): Promise<void> {
      const destination = pick(customers.filter((c) => c !== customer));
      const authorizeKey = randomUUID();
      const value = BigInt(amount());
      const authorize = () =>
        carefulRpc("hold.authorize", () => ledger.authorizeHold({ accountId: customer.accountId, destinationAccountId: destination.accountId, amount: { amountMinor: value, currency: "EUR" }, idempotencyKey: authorizeKey, description: "chaos" }), retry);
      const authorized = keep("hold.authorize", await authorize(), authorize);
      if (authorized.kind !== "success") return;
      const holdId: string = authorized.body.hold.id;
      holdStatus.set(holdId, "PENDING");
      const settleKey = randomUUID();
      if (Math.random() < 0.6) {
        const capture = () => carefulRpc("hold.capture", () => ledger.captureHold({ holdId, finalCapture: true, idempotencyKey: settleKey }), retry);
        const captured = keep("hold.capture", await capture(), capture);
        if (captured.kind === "success") {
          posted.capture.add(captured.body.transaction.id);
          holdStatus.set(holdId, "CAPTURED");
        }
      } else {
        const voidHold = () => carefulRpc("hold.void", () => ledger.voidHold({ holdId, reason: "chaos", idempotencyKey: settleKey }), retry);
        const voided = keep("hold.void", await voidHold(), voidHold);
        if (voided.kind === "success") holdStatus.set(holdId, "VOIDED");
      }
    }

    let driving = true;
    const clients = customers.map(async (customer) => {
      while (driving) {
        const roll = Math.random();
        await (roll < 0.6 ? transfer(customer) : roll < 0.85 ? refund(customer) : hold(customer));
        await sleep(Math.random() * 20);
      }
    });

    const faults: FaultFigures[] = [];
    const faultWindows: Array<{ fault: string; startedAt: number; endedAt: number }> = [];
    const killAndWait = (name: string) => async () => {
      const before = (started.output().match(new RegExp(`^mesh ${name} is ready again`, "gm")) ?? []).length;
      process.kill(started.pidOf(name), "SIGKILL");
      const deadline = Date.now() + 90_000;
      while ((started.output().match(new RegExp(`^mesh ${name} is ready again`, "gm")) ?? []).length === before && Date.now() < deadline) await sleep(100);
    };
    const cut = (proxy: TcpProxy, mode: "refuse" | "blackhole") => async () => {
      proxy.cut(mode);
      await sleep(options.cutMs);
      proxy.restore();
    };
    const schedule: Array<[string, () => Promise<void>]> = [
      ["kill -9 ledger", killAndWait("ledger")],
      ["kill -9 ledger-outbox-relay", killAndWait("ledger-outbox-relay")],
      ["kill -9 risk", killAndWait("risk")],
      ["kill -9 mobile-bff", killAndWait("mobile-bff")],
      ["RabbitMQ cut", cut(amqpProxy, "refuse")],
      ["Redis cut", cut(redisProxy, "refuse")],
      ["risk black-holed", cut(riskProxy!, "blackhole")],
    ];
    const driveStart = Date.now();
    await sleep(options.warmupMs);
    for (const [fault, inject] of schedule) {
      log(fault);
      const startedAt = Date.now();
      await inject();
      faultWindows.push({ fault, startedAt, endedAt: Date.now() });
      await sleep(options.gapMs);
    }
    await sleep(options.cooldownMs);
    driving = false;
    log("faults over; letting the clients finish");
    await Promise.all(clients);
    const driveMs = Date.now() - driveStart;

    // An app that gave up sends the same request again when it is next opened.
    const unresolved = requests.filter((r) => r.outcome.kind === "unresolved");
    for (const request of unresolved) {
      request.outcome = await request.resend!();
      const body = request.outcome.kind === "success" ? request.outcome.body : undefined;
      if (body && request.operation === "transfer") posted.transfer.add(body.transaction.id);
      if (body && request.operation === "refund") posted.refund.add(body.refund.id);
      if (body && request.operation === "hold.capture") posted.capture.add(body.transaction.id);
    }

    log("waiting for the outbox to drain");
    const drainDeadline = Date.now() + 120_000;
    let statuses = await observer.outboxStatuses();
    let outboxEvents = await observer.outboxEvents();
    while (Date.now() < drainDeadline && ((statuses.pending ?? 0) > 0 || [...outboxEvents.keys()].some((id) => !tap.received.has(id)))) {
      await sleep(500);
      statuses = await observer.outboxStatuses();
      outboxEvents = await observer.outboxEvents();
    }
    const samples = await stopSampling();

    // The judgement.
    const violations: string[] = [];
    const drifted = samples.filter((s) => s.total !== initial.total);
    if (drifted.length > 0) violations.push(`the wallets' total moved in ${drifted.length} of ${samples.length} samples (first: ${drifted[0]!.total} instead of ${initial.total})`);
    const negative = samples.filter((s) => s.minAvailable < 0n);
    if (negative.length > 0) violations.push(`a wallet was negative in ${negative.length} samples (lowest ${negative[0]!.minAvailable})`);

    const verify = await run(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/ledger/verify.ts")], { env: { ...process.env, LEDGER_DATABASE_URL: started.databaseUrl("ledger") } }).then(
      () => "clean",
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}${err.stderr ?? ""}`.trim().slice(0, 2_000),
    );
    if (verify !== "clean") violations.push(`ledger:verify is not clean: ${verify}`);

    const movements = await observer.movements();
    const seen = new Map<string, string>([...[...posted.transfer].map((id) => [id, "TRANSFER"]), ...[...posted.refund].map((id) => [id, "REFUND"]), ...[...posted.capture].map((id) => [id, "HOLD_CAPTURE"])] as Array<[string, string]>);
    const postedUnseen = [...movements].filter(([id]) => !seen.has(id));
    const seenUnposted = [...seen].filter(([id, kind]) => movements.get(id) !== kind);
    if (postedUnseen.length > 0) violations.push(`${postedUnseen.length} movements are posted that no client saw succeed (e.g. ${postedUnseen[0]!.join(" ")})`);
    if (seenUnposted.length > 0) violations.push(`${seenUnposted.length} successes the clients saw are not posted as such (e.g. ${seenUnposted[0]!.join(" ")})`);
    const holds = await observer.holds();
    const holdMismatches = [...holds].filter(([id, status]) => holdStatus.get(id) !== status);
    if (holds.size !== holdStatus.size || holdMismatches.length > 0) violations.push(`holds differ from what the clients saw: ${holds.size} in the ledger, ${holdStatus.size} seen, ${holdMismatches.length} in another state`);

    const withoutEvent = await observer.movementsWithoutEvent();
    if (withoutEvent.length > 0) violations.push(`${withoutEvent.length} posted movements have no event in the outbox (e.g. ${withoutEvent[0]})`);
    const lost = [...outboxEvents.keys()].filter((id) => !tap.received.has(id));
    if (lost.length > 0) violations.push(`${lost.length} of ${outboxEvents.size} ledger events never reached the suite's queue`);
    const notSent = Object.entries(statuses).filter(([status, count]) => status !== "sent" && count > 0);
    if (notSent.length > 0) violations.push(`outbox rows did not all end sent: ${JSON.stringify(statuses)}`);
    const stillUnresolved = requests.filter((r) => r.outcome.kind === "unresolved").length;
    if (stillUnresolved > 0) violations.push(`${stillUnresolved} requests got no final answer even when sent again`);
    violations.push(...judgeAttempts(attempts, driveStart));

    for (const window of faultWindows) {
      log(`${window.fault}: from ${((window.startedAt - driveStart) / 1_000).toFixed(1)} s to ${((window.endedAt - driveStart) / 1_000).toFixed(1)} s into the drive`);
      const inWindow = attempts.filter((a) => a.at >= window.startedAt && a.at <= window.endedAt + 2_000);
      const firstSuccess = attempts.find((a) => a.at >= window.endedAt && (a.status === "OK" || (typeof a.status === "number" && a.status < 300)));
      const firstEvent = tap.arrivals.find((t) => t >= window.endedAt);
      faults.push({
        fault: window.fault,
        downMs: window.endedAt - window.startedAt,
        statuses: countBy(inWindow.map(statusOf)),
        firstSuccessAfterMs: firstSuccess ? firstSuccess.at + firstSuccess.durationMs - window.endedAt : null,
        firstEventAfterMs: firstEvent === undefined ? null : firstEvent - window.endedAt,
      });
    }

    const outcomes = requests.map((r) => r.outcome);
    const duplicates = [...tap.received.values()].reduce((sum, n) => sum + n - 1, 0);
    return {
      violations,
      figures: {
        clients: options.clients,
        driveMs,
        requests: requests.length,
        attempts: attempts.length,
        retries: attempts.length - requests.length,
        successes: countBy(requests.filter((r) => r.outcome.kind === "success").map((r) => r.operation)),
        refusals: countBy(outcomes.flatMap((o) => (o.kind === "refused" ? [`${o.status} ${o.reason || "(no reason)"}`] : []))),
        unresolvedBeforeResend: unresolved.length,
        statuses: countBy(attempts.map(statusOf)),
        faults,
        events: { outbox: outboxEvents.size, received: tap.received.size, duplicates, lost: lost.length, outboxStatuses: statuses },
        wallets: { count: customers.length, total: String(initial.total), samples: samples.length },
        ledgerVerify: verify === "clean" ? "clean" : "differences",
      },
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    if (mesh) {
      await mesh.stop();
      await mesh.cleanup();
    }
    await Promise.all([redisProxy.close(), amqpProxy.close(), riskProxy?.close()]);
  }
}

/** An attempt's status with its reason, e.g. `503 RISK_UNAVAILABLE`, so the figures say why. */
function statusOf(attempt: Attempt): string {
  return attempt.reason ? `${attempt.status} ${attempt.reason}` : String(attempt.status);
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
