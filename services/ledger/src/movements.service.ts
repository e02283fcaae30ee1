/**
 * Posting money movements: each request goes through group commit
 * (group-commit.ts) into one call of ledger_post_movements, which applies the
 * domain's rules and writes transaction, postings, entries, balances, the
 * outbox event and the idempotency result in that call's one transaction.
 *
 * A batch that fails as a whole is dealt with here, so that nothing is
 * posted twice or half: a serialization failure or deadlock is retried (the
 * idempotency keys make a retry of an already committed batch a replay); an
 * error that one movement may cause (a key still in progress, a value the
 * database refuses) is found by running the batch's movements one by one,
 * each getting its own answer.
 */
import { Histogram } from "prom-client";
import { isRetryableTransactionError } from "#platform/db/index.js";
import type { LedgerDeps } from "./context.js";
import { LedgerError } from "./domain/ledger-error.js";
import { BatchItemError, createGroupCommit } from "./group-commit.js";
import {
  atomicRefusalOf,
  KEY_IN_PROGRESS_SQLSTATE,
  postMovements,
  type MovementOutcome,
  type MovementRequest,
  type PostOptions,
} from "./storage/movements.repository.js";

/** SQLSTATE `lock_not_available`: a balance lock wait passed lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";
/** How many times a batch failing with a deadlock or serialization error is run. */
const MAX_ATTEMPTS = 3;

/** Posts movements; see the module comment. */
export interface MovementPoster {
  /** One movement, committed together with whatever else arrives meanwhile. */
  post(request: MovementRequest): Promise<MovementOutcome>;
  /**
   * A list of movements in one database call, in order (CreateTransfers).
   * With `atomic`, a refusal throws its LedgerError with `transfer_index`.
   */
  postAll(requests: readonly MovementRequest[], options: { atomic: boolean }): Promise<Array<MovementOutcome | BatchItemError>>;
}

export function createMovementPoster(deps: Pick<LedgerDeps, "db" | "config" | "registry">): MovementPoster {
  const options: PostOptions = { retentionMs: deps.config.idempotencyRetentionMs, waitMs: deps.config.idempotencyWaitMs };
  const batchSizes = batchSizeHistogram(deps.registry);

  /** One call, retried on serialization failures and deadlocks; other failures mapped to the ledger's reasons. */
  async function attempt(requests: readonly MovementRequest[], atomic: boolean): Promise<MovementOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await postMovements(deps.db, requests, { ...options, atomic });
      } catch (err) {
        if (isRetryableTransactionError(err) && attempt < MAX_ATTEMPTS) continue;
        throw batchError(err, requests);
      }
    }
  }

  /** A batch, split into single movements when one of them may have failed it. */
  async function run(requests: readonly MovementRequest[]): Promise<Array<MovementOutcome | BatchItemError>> {
    try {
      return await attempt(requests, false);
    } catch (err) {
      if (requests.length === 1 || !causedByOneItem(err)) throw err;
      const outcomes: Array<MovementOutcome | BatchItemError> = [];
      for (const request of requests) {
        try {
          outcomes.push(...(await attempt([request], false)));
        } catch (single) {
          outcomes.push(new BatchItemError(single));
        }
      }
      return outcomes;
    }
  }

  const queue = createGroupCommit<MovementRequest, MovementOutcome>({
    run,
    maxBatch: deps.config.batchMax,
    concurrency: deps.config.batchConcurrency,
    keyOf: (request) => `${request.call.scope}\u0000${request.call.key}`,
    onBatch: (size) => batchSizes?.observe({ source: "group_commit" }, size),
  });

  return {
    post: (request) => queue.submit(request),
    async postAll(requests, { atomic }) {
      batchSizes?.observe({ source: "create_transfers" }, requests.length);
      if (!atomic) return run(requests);
      try {
        return await attempt(requests, true);
      } catch (err) {
        const refusal = atomicRefusalOf(err);
        if (!refusal) throw err;
        throw new LedgerError(refusal.error.reason, `transfers[${refusal.index}]: ${refusal.error.message}`, {
          ...refusal.error.metadata,
          transfer_index: String(refusal.index),
        });
      }
    },
  };
}

/** `ledger_movements_per_call`: how many movements each database call carried; the registry's one. */
function batchSizeHistogram(registry: LedgerDeps["registry"]): Histogram<"source"> | undefined {
  if (!registry) return undefined;
  const existing = registry.getSingleMetric("ledger_movements_per_call") as Histogram<"source"> | undefined;
  return (
    existing ??
    new Histogram({
      name: "ledger_movements_per_call",
      help: "Movements posted by one call of ledger_post_movements: a group commit of single RPCs, or a CreateTransfers call.",
      labelNames: ["source"] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
      registers: [registry],
    })
  );
}

/** True for failures one movement of a batch can cause: run them one by one to find it. */
function causedByOneItem(err: unknown): boolean {
  if (err instanceof LedgerError) return err.reason === "IDEMPOTENCY_KEY_IN_PROGRESS";
  const code = (err as { code?: unknown }).code;
  // Data exceptions (22) and integrity violations (23): a value or a row the database refuses.
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/** The ledger's reason for a failed call, or the error itself for the platform's sanitizer. */
function batchError(err: unknown, requests: readonly MovementRequest[]): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === KEY_IN_PROGRESS_SQLSTATE && requests.length === 1) {
    const key = requests[0]!.call.key;
    return new LedgerError("IDEMPOTENCY_KEY_IN_PROGRESS", `a request with idempotency key "${key}" is still in progress; retry shortly`, {
      idempotency_key: key,
    });
  }
  if (code === KEY_IN_PROGRESS_SQLSTATE) return new LedgerError("IDEMPOTENCY_KEY_IN_PROGRESS", "a key of the batch is in use");
  if (code === LOCK_NOT_AVAILABLE || isRetryableTransactionError(err)) {
    return new LedgerError("CONCURRENT_MODIFICATION", "a concurrent change made the ledger give up; retry with the same idempotency key");
  }
  return err;
}
