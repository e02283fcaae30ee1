/**
 * The fuzz suite: the whole mesh as `npm start` runs it (every upstream a
 * route can reach is really there), a logged-in customer and a staff member
 * holding every staff role, `runs` hostile requests generated from the
 * edge's own `/openapi.json`, then calls straight at every unary RPC of the
 * gRPC services. Requests are drawn from a seed in fixed chunks
 * (fuzz-plan.ts), so a run is replayed by giving the same seed, and one
 * request, edge or gRPC, by its index.
 */
import fc from "fast-check";
import { processByName } from "../../platform/mesh/catalogue.js";
import { startMesh } from "../mesh/start-mesh.js";
import { createEdgeSender, TOKEN_PLACEHOLDERS } from "./edge-phase.js";
import { defaultGrpcRuns, drawBatches, drawHolding, FuzzIndexError, type FuzzPlan } from "./fuzz-plan.js";
import { signInCustomer, signInStaff } from "./fuzz-sessions.js";
import { createTally, type FuzzFinding } from "./fuzz-tally.js";
import { createGrpcSender, grpcPhaseCalls, grpcRecord } from "./grpc-phase.js";
import { openApiRequests, type OpenApiDocument } from "./openapi-requests.js";

export { describeFinding, type FuzzFinding } from "./fuzz-tally.js";
export { FuzzIndexError } from "./fuzz-plan.js";

export interface FuzzOptions {
  /** Requests to the edge. */
  readonly runs: number;
  /** Calls straight at the gRPC servers; default a quarter of `runs`. */
  readonly grpcRuns?: number;
  readonly seed: number;
  /** Send only the request with this index, edge or gRPC (replaying a finding). */
  readonly only?: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface FuzzReport {
  readonly figures: Record<string, unknown>;
  readonly findings: FuzzFinding[];
}

/**
 * Token lifetimes long enough for a run: the staff member's sign-in needs a
 * TOTP code, and staff calls a second factor no older than the backoffice's
 * step-up age, so neither should lapse every five minutes. Tokens are
 * renewed before they expire all the same (fuzz-sessions.ts).
 */
const SESSION_ENV = { IDENTITY_ACCESS_TOKEN_TTL: "30m", BACKOFFICE_STEP_UP_MAX_AGE: "30m" };

/**
 * Runs the suite against a mesh of its own and answers its figures and findings.
 * @throws FuzzIndexError, before starting anything, when `only` names no request of the run.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const plan: FuzzPlan = { runs: options.runs, grpcRuns: options.grpcRuns ?? defaultGrpcRuns(options.runs), seed: options.seed };
  if (options.only !== undefined && !drawHolding(plan, options.only)) throw new FuzzIndexError(plan, options.only);
  const log = options.log ?? (() => {});
  log("starting the mesh");
  const mesh = await startMesh({
    env: {
      GATEWAY_TRUSTED_PROXIES: "loopback",
      GATEWAY_RATE_LIMIT_PER_IP: "100000000",
      GATEWAY_RATE_LIMIT_PER_USER: "100000000",
      GATEWAY_RATE_LIMIT_SENSITIVE: "100000000",
      LOG_LEVEL: "fatal",
      ...SESSION_ENV,
    },
  });
  const edgeUrl = `http://127.0.0.1:${processByName("gateway").grpcPort! + mesh.offset}`;
  try {
    log("signing in a customer and a staff member with every role");
    const sessions = { customer: await signInCustomer(edgeUrl), staff: await signInStaff(mesh, edgeUrl) };
    const doc = (await (await fetch(`${edgeUrl}/openapi.json`)).json()) as OpenApiDocument;
    const tally = createTally();
    const sendEdge = createEdgeSender(edgeUrl, sessions, tally);
    const sendGrpc = createGrpcSender(mesh, sessions, tally);
    const sent = { edge: 0, grpc: 0 };
    /** With `only`, what was sent, so a replay shows its request even when the answer is right this time. */
    let replayed: unknown;
    const started = Date.now();

    const concurrency = options.concurrency ?? 4;
    const batches = drawBatches(plan, { edge: openApiRequests(doc, TOKEN_PLACEHOLDERS), grpc: grpcPhaseCalls() }, options.only);
    for (const batch of batches) {
      const sends: Array<() => Promise<void>> =
        batch.phase === "edge" ? batch.items.map(({ index, value }) => () => sendEdge(index, value)) : batch.items.map(({ index, value }) => () => sendGrpc(index, value));
      for (let i = 0; i < sends.length; i += concurrency) await Promise.all(sends.slice(i, i + concurrency).map((send) => send()));
      sent[batch.phase] += batch.items.length;
      if (options.only !== undefined) replayed = batch.phase === "edge" ? batch.items[0]!.value : grpcRecord(batch.items[0]!.value);
      log(`${sent[batch.phase]} ${batch.phase === "edge" ? "edge requests" : "gRPC calls"}, ${tally.findings.length} findings`);
    }

    return {
      findings: tally.findings,
      figures: {
        seed: options.seed,
        ...(options.only === undefined ? {} : { only: options.only, replayed }),
        runs: sent.edge,
        operations: tally.operations.size,
        operationsInDocument: Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0),
        statuses: tally.statuses,
        reasons: tally.reasons,
        grpcRuns: sent.grpc,
        grpcCodes: tally.grpcCodes,
        grpcCodesByService: tally.grpcCodesByService,
        grpcReasons: tally.grpcReasons,
        durationMs: Date.now() - started,
        findingCount: tally.findings.length,
      },
    };
  } finally {
    await mesh.stop();
    await mesh.cleanup();
  }
}
