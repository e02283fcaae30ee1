/**
 * The fuzz suite: the whole mesh as `npm start` runs it (every upstream a
 * route can reach is really there), a logged-in customer, and
 * `runs` hostile requests generated from the edge's own `/openapi.json`.
 * Requests are drawn from a seed in fixed chunks, so a run is replayed by
 * giving the same seed, and one request by its index.
 */
import fc from "fast-check";
import { processByName } from "../../platform/mesh/catalogue.js";
import { onboardCustomer } from "../mesh/edge-client.js";
import { startMesh } from "../mesh/start-mesh.js";
import { judgeAnswer, type FuzzAnswer } from "./judge-answer.js";
import { openApiRequests, type FuzzRequest, type OpenApiDocument } from "./openapi-requests.js";

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  /** Send only the request with this index (replaying a finding). */
  readonly only?: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

/** A request that got a wrong answer, with what is needed to send it again. */
export interface FuzzFinding {
  readonly index: number;
  readonly problem: string;
  readonly request: FuzzRequest;
  readonly status: number;
  readonly body: string;
}

export interface FuzzReport {
  readonly figures: Record<string, unknown>;
  readonly findings: FuzzFinding[];
}

const CHUNK = 250;

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
    const requests = openApiRequests(doc, customer.accessToken!);
    const statuses: Record<string, number> = {};
    /** The problems' reasons: which checks the requests ran into. */
    const reasons: Record<string, number> = {};
    const operations = new Set<string>();
    const findings: FuzzFinding[] = [];
    const started = Date.now();

    const send = async (index: number, request: FuzzRequest) => {
      operations.add(request.operationId);
      let answer: FuzzAnswer;
      try {
        const response = await fetch(`${edgeUrl}${request.target}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(30_000),
        });
        answer = { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
      } catch (err) {
        if (err instanceof TypeError && /header|URL/i.test(String((err as Error).cause ?? err.message))) return; // fetch itself refused to send it
        answer = { status: 599, contentType: "", body: `no answer: ${(err as Error).message}` };
      }
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
    return {
      findings,
      figures: {
        seed: options.seed,
        runs: options.only === undefined ? options.runs : 1,
        operations: operations.size,
        operationsInDocument: Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0),
        statuses,
        reasons,
        durationMs: Date.now() - started,
        findingCount: findings.length,
      },
    };
  } finally {
    await mesh.stop();
    await mesh.cleanup();
  }
}
