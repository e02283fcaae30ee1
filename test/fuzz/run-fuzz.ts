/**
 * The fuzz suite: the whole mesh as `npm start` runs it (every upstream a
 * route can reach is really there), a logged-in customer, and
 * `runs` hostile requests generated from the edge's own `/openapi.json`.
 * Requests are drawn from a seed in fixed chunks, so a run is replayed by
 * giving the same seed, and one request by its index.
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { BackofficeService } from "../../gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "../../gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "../../gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { NotificationService } from "../../gen/wallet/notification/v1/notification_service_pb.js";
import { RiskService } from "../../gen/wallet/risk/v1/risk_service_pb.js";
import { callGraph, servedServices } from "../../platform/mesh/call-graph.js";
import { processByName } from "../../platform/mesh/catalogue.js";
import { onboardCustomer } from "../mesh/edge-client.js";
import { startMesh } from "../mesh/start-mesh.js";
import { grpcCalls, type GrpcFuzzCall } from "./grpc-requests.js";
import { judgeAnswer, leakIn, type FuzzAnswer } from "./judge-answer.js";
import { openApiRequests, type FuzzRequest, type OpenApiDocument } from "./openapi-requests.js";

export interface FuzzOptions {
  /** Requests to the edge. */
  readonly runs: number;
  /** Calls straight at the gRPC servers; default a quarter of `runs`. */
  readonly grpcRuns?: number;
  readonly seed: number;
  /** Send only the request with this index (replaying a finding). */
  readonly only?: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

/** A request that got a wrong answer, with what is needed to send it again. */
export interface FuzzFinding {
  /** The request's index; gRPC calls are numbered on from `runs`. */
  readonly index: number;
  readonly problem: string;
  readonly request: FuzzRequest | { readonly rpc: string; readonly caller: string; readonly message: unknown };
  readonly status: number | string;
  readonly body: string;
}

/** Every service the gRPC phase calls, each served by one process of the catalogue. */
const FUZZED_SERVICES: readonly DescService[] = [IdentityService, LedgerService, RiskService, NotificationService, MobileBffService, BackofficeService];

/** Codes no request, however hostile, may get: the server failed rather than refused. */
const SERVER_FAILURES = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);

/** One line naming a finding: its index, what was sent and what was wrong. */
export function describeFinding(finding: FuzzFinding): string {
  const what = "rpc" in finding.request ? `${finding.request.rpc} as ${finding.request.caller}` : `${finding.request.method} ${finding.request.target.slice(0, 120)}`;
  return `#${finding.index} ${what}: ${finding.problem}`;
}

export interface FuzzReport {
  readonly figures: Record<string, unknown>;
  readonly findings: FuzzFinding[];
}

const CHUNK = 250;
/** Stands in generated requests for the customer's current access token. */
const CUSTOMER_TOKEN = "{{customer-token}}";

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  log("starting the mesh");
  const mesh = await startMesh({
    env: {
      GATEWAY_TRUSTED_PROXIES: "loopback",
      GATEWAY_RATE_LIMIT_PER_IP: "100000000",
      GATEWAY_RATE_LIMIT_PER_USER: "100000000",
      GATEWAY_RATE_LIMIT_SENSITIVE: "100000000",
      LOG_LEVEL: "fatal",
    },
  });
  const edgeUrl = `http://127.0.0.1:${processByName("gateway").grpcPort! + mesh.offset}`;
  try {
    const customer = await onboardCustomer(edgeUrl, "198.18.0.7");
    const doc = (await (await fetch(`${edgeUrl}/openapi.json`)).json()) as OpenApiDocument;
    const requests = openApiRequests(doc, CUSTOMER_TOKEN);
    const statuses: Record<string, number> = {};
    /** The problems' reasons: which checks the requests ran into. */
    const reasons: Record<string, number> = {};
    const operations = new Set<string>();
    const findings: FuzzFinding[] = [];
    const started = Date.now();

    // Requests carry a placeholder for the customer's token: a fuzzed logout or
    // session revocation ends the session, and the customer then logs in again.
    let token = customer.accessToken!;
    let relogin: Promise<void> | undefined;
    const logInAgain = () => (relogin ??= login().finally(() => (relogin = undefined)));
    const login = async () => {
      const device = { deviceId: customer.deviceId, name: "Fuzz", platform: "PLATFORM_IOS", appVersion: "1.0.0" };
      const login = await fetch(`${edgeUrl}/v1/identity/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": customer.ip },
        body: JSON.stringify({ email: customer.email, password: customer.password, device }),
      });
      const body = (await login.json()) as { tokens?: { accessToken?: string } };
      if (body.tokens?.accessToken) token = body.tokens.accessToken;
    };

    const fetchOnce = async (request: FuzzRequest): Promise<FuzzAnswer> => {
      const headers = { ...request.headers };
      if (headers.authorization) headers.authorization = headers.authorization.replace(CUSTOMER_TOKEN, token);
      const response = await fetch(`${edgeUrl}${request.target}`, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
    };

    const send = async (index: number, request: FuzzRequest) => {
      operations.add(request.operationId);
      let answer: FuzzAnswer | undefined;
      // A second try only for a connection that broke before any answer: a kept-alive
      // socket the server had just closed is the client's race, not the server's failure.
      for (let attempt = 1; attempt <= 2 && answer === undefined; attempt++) {
        try {
          answer = await fetchOnce(request);
        } catch (err) {
          if (err instanceof TypeError && /header|URL/i.test(String((err as Error).cause ?? err.message))) return; // fetch itself refused to send it
          if (attempt === 2) answer = { status: 599, contentType: "", body: `no answer: ${(err as Error).message} ${String((err as Error).cause ?? "")}` };
        }
      }
      if (answer === undefined) return;
      if (answer.status === 401 && answer.body.includes("SESSION_REVOKED")) await logInAgain();
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 400) {
        const reason = /"reason":"([A-Z_]+)"/.exec(answer.body)?.[1] ?? "(none)";
        reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
      const problem = judgeAnswer(answer);
      if (problem) findings.push({ index, problem, request, status: answer.status, body: answer.body.slice(0, 500) });
    };

    const concurrency = options.concurrency ?? 4;
    for (let chunk = 0; chunk * CHUNK < options.runs; chunk++) {
      const count = Math.min(CHUNK, options.runs - chunk * CHUNK);
      if (options.only !== undefined && Math.floor(options.only / CHUNK) !== chunk) continue;
      const batch = fc.sample(requests, { numRuns: count, seed: options.seed + chunk });
      const indexed = batch.map((request, i) => ({ index: chunk * CHUNK + i, request })).filter(({ index }) => options.only === undefined || index === options.only);
      for (let i = 0; i < indexed.length; i += concurrency) {
        await Promise.all(indexed.slice(i, i + concurrency).map(({ index, request }) => send(index, request)));
      }
      log(`${Math.min(options.runs, (chunk + 1) * CHUNK)} requests, ${findings.length} findings`);
    }
    // Straight at the services, each RPC as a caller the call graph allows.
    const grpcRuns = options.only === undefined ? (options.grpcRuns ?? Math.ceil(options.runs / 4)) : 0;
    const grpcCodes: Record<string, number> = {};
    const transports = new Map<string, ReturnType<typeof createConnectTransport>>();
    const transportFor = (service: DescService, caller: string) => {
      const owner = (Object.entries(servedServices) as Array<[string, readonly string[]]>).find(([, served]) => served.includes(service.typeName))![0];
      const key = `${owner}/${caller}`;
      let transport = transports.get(key);
      if (!transport) {
        transport = createConnectTransport({
          baseUrl: `http://127.0.0.1:${processByName(owner).grpcPort! + mesh.offset}`,
          httpVersion: "1.1",
          useBinaryFormat: false,
          defaultTimeoutMs: 30_000,
          interceptors: [mesh.signer(caller)],
        });
        transports.set(key, transport);
      }
      return transport;
    };
    const call = async (index: number, { service, method, request }: GrpcFuzzCall) => {
      const caller = (callGraph as Record<string, Record<string, readonly string[]>>)[service.typeName]?.[method.name]?.[0];
      if (!caller) return;
      const client = createClient(service, transportFor(service, caller)) as unknown as Record<string, (m: unknown) => Promise<unknown>>;
      let code = "OK";
      let message = "";
      try {
        await client[method.localName]!(request);
      } catch (err) {
        const error = ConnectError.from(err);
        code = Code[error.code];
        message = error.rawMessage;
        const problem = SERVER_FAILURES.has(error.code) ? `answered ${code}` : leakIn(message) ? `leaks internals: ${leakIn(message)}` : undefined;
        if (problem) findings.push({ index, problem, request: { rpc: `${service.typeName}/${method.name}`, caller, message: request }, status: code, body: message.slice(0, 500) });
      }
      grpcCodes[code] = (grpcCodes[code] ?? 0) + 1;
    };
    const calls = grpcCalls(FUZZED_SERVICES);
    for (let done = 0, chunk = 0; done < grpcRuns; chunk++) {
      const batch = fc.sample(calls, { numRuns: Math.min(CHUNK, grpcRuns - done), seed: options.seed + 1_000_000 + chunk });
      for (let i = 0; i < batch.length; i += concurrency) {
        await Promise.all(batch.slice(i, i + concurrency).map((c, j) => call(options.runs + done + i + j, c)));
      }
      done += batch.length;
      log(`${done} gRPC calls, ${findings.length} findings`);
    }

    return {
      findings,
      figures: {
        seed: options.seed,
        runs: options.only === undefined ? options.runs : 1,
        operations: operations.size,
        operationsInDocument: Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0),
        statuses,
        reasons,
        grpcRuns,
        grpcCodes,
        durationMs: Date.now() - started,
        findingCount: findings.length,
      },
    };
  } finally {
    await mesh.stop();
    await mesh.cleanup();
  }
}
