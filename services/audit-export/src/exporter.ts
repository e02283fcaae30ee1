/**
 * The export loop. While this process holds the leader lock, each turn reads
 * the audit log after the committed cursor through the backoffice's
 * AuditLogService, records the batch as pending (so a restart resends the
 * same range under the same webhook-id), signs and POSTs it, and then:
 *
 * - 2xx: moves the cursor in the transaction that clears the pending batch;
 * - a retryable failure: counts the attempt and waits (full-jitter backoff,
 *   or the receiver's Retry-After on 429 and 503);
 * - a permanent refusal, or the last allowed attempt failing: writes the dead
 *   letter and moves the cursor past it in one transaction.
 *
 * Delivery is at least once: a crash between the receiver's 2xx and the
 * commit sends the batch again, under the same id, for the receiver to drop.
 * Every cursor move is a compare-and-set, so an exporter that lost the lock
 * without noticing cannot move it twice.
 */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { AuditEntry } from "#gen/wallet/backoffice/v1/audit_pb.js";
import type { ReadinessCheck } from "#platform/health/index.js";
import { fullJitterDelayMs } from "#platform/outbox/backoff.js";
import { sleep } from "#platform/outbox/sleep.js";
import type { AuditExportSettings } from "./config.js";
import { retryDelayMs } from "./domain/delivery-outcome.js";
import { buildExportBatch, findDiscontinuity, type ExportBatch } from "./domain/export-batch.js";
import { createExportHealth } from "./export-health.js";
import { createExportMetrics } from "./export-metrics.js";
import type { LeaderLock } from "./leader-lock.js";
import type { AuditExportDatabase } from "./storage/audit-export.table.js";
import {
  commitDeadLetter,
  commitDelivered,
  readCursor,
  readExportStatus,
  readPendingBatch,
  recordFailedAttempt,
  startPendingBatch,
  type ExportCursor,
} from "./storage/export.repository.js";
import type { WebhookSender } from "./webhook-sender.js";

/** The backoffice's ReadAuditLog, as the exporter calls it. */
export interface AuditLogReader {
  readAuditLog(
    request: { afterPosition: bigint; limit: number },
    options?: { signal?: AbortSignal },
  ): Promise<{ entries: AuditEntry[]; headPosition: bigint; oldestUnreadAt?: Timestamp | undefined }>;
}

/** What the exporter needs. */
export interface AuditExporterOptions {
  readonly db: Kysely<AuditExportDatabase>;
  readonly leaderLock: LeaderLock;
  readonly auditLog: AuditLogReader;
  readonly webhook: WebhookSender;
  readonly settings: Pick<AuditExportSettings, "batchSize" | "intervalMs" | "maxAttempts" | "backoff" | "unhealthyAfterMs">;
  /** The process registry; the audit_export_* metrics are registered on it. */
  readonly registry: Registry;
  readonly logger: Logger;
  readonly random?: () => number;
}

/** A running-or-not exporter. */
export interface AuditExporter {
  /** Exports until `signal` aborts, then frees the lock; never throws. */
  run(signal: AbortSignal): Promise<void>;
  /** "webhook" and "backoffice": fail while either has failed longer than AUDIT_EXPORT_UNHEALTHY_AFTER. */
  readonly readiness: readonly ReadinessCheck[];
}

/** Builds the exporter; its metrics are registered at once. */
export function createAuditExporter(options: AuditExporterOptions): AuditExporter {
  const { db, logger, settings, webhook } = options;
  const random = options.random ?? Math.random;
  const metrics = createExportMetrics(options.registry, () => readExportStatus(db));
  const health = createExportHealth(settings.unhealthyAfterMs);
  let isLeader = false;
  let standbyLogged = false;
  let readFailures = 0;
  let reportedBreak: string | undefined;

  const setLeader = (value: boolean) => {
    isLeader = value;
    metrics.leader(value);
    health.leader(value);
  };

  /** Whether this process may export now: it holds the lock, or takes it. */
  async function lead(): Promise<boolean> {
    if (isLeader) {
      if (await options.leaderLock.stillHeld()) return true;
      setLeader(false);
      logger.warn("lost the export lock; standing by");
    }
    if (await options.leaderLock.tryAcquire()) {
      setLeader(true);
      standbyLogged = false;
      logger.info("holds the export lock: exporting");
      return true;
    }
    if (!standbyLogged) logger.info("another exporter holds the export lock: standing by");
    standbyLogged = true;
    return false;
  }

  /** One webhook attempt of `batch` and what follows from it; answers the wait before the next turn. */
  async function deliver(batch: ExportBatch, cursor: ExportCursor, attemptsBefore: number, head: bigint, signal: AbortSignal): Promise<number> {
    const result = await webhook.send(batch.id, batch.body, signal);
    if (result.verdict === "aborted") return 0;
    metrics.request(result.statusClass, result.durationMs);
    const where = { batchId: batch.id, firstPosition: String(batch.firstPosition), lastPosition: String(batch.lastPosition) };

    if (result.verdict === "delivered") {
      health.webhookSucceeded();
      if (!(await commitDelivered(db, batch, cursor.position))) {
        logger.warn(where, "the export cursor moved under this exporter (another one leads): not counting the batch");
        return 0;
      }
      metrics.batch("delivered");
      const backlog = head - batch.lastPosition;
      if (backlog <= 0n) metrics.position(0n, undefined);
      logger.debug({ ...where, events: batch.eventCount }, "batch delivered");
      return backlog > 0n ? 0 : settings.intervalMs;
    }

    health.webhookFailed(result.statusClass);
    const attempts = attemptsBefore + 1;
    const error = result.error ?? "webhook failed";
    if (result.verdict === "permanent" || attempts >= settings.maxAttempts) {
      if (await commitDeadLetter(db, { batch, attempts, lastStatus: result.status, lastError: error }, cursor.position)) {
        metrics.batch("dead_lettered");
        logger.error({ ...where, attempts, status: result.status, error }, "batch dead-lettered; the export moves on (replay with npm run audit-export:replay-dead-letters)");
      }
      return 0;
    }
    await recordFailedAttempt(db, batch.id, attempts, error);
    metrics.batch("retried");
    const retryInMs = retryDelayMs(settings.backoff, attempts, result.retryAfterMs, random);
    logger.warn({ ...where, attempt: attempts, status: result.status, error, retryInMs, retryAfter: result.retryAfterMs !== undefined }, "webhook failed; retrying the batch");
    return retryInMs;
  }

  /** One turn of the loop; answers how long to wait before the next. */
  async function turn(signal: AbortSignal): Promise<number> {
    if (!(await lead())) return settings.intervalMs;
    const cursor = await readCursor(db);
    const pending = await readPendingBatch(db);
    const limit = pending ? Number(pending.lastPosition - pending.firstPosition + 1n) : settings.batchSize;

    let page: Awaited<ReturnType<AuditLogReader["readAuditLog"]>>;
    try {
      page = await options.auditLog.readAuditLog({ afterPosition: cursor.position, limit }, { signal });
      health.backofficeSucceeded();
      readFailures = 0;
    } catch (err) {
      if (signal.aborted) return 0;
      health.backofficeFailed();
      const retryInMs = fullJitterDelayMs(settings.backoff, ++readFailures) + settings.intervalMs;
      logger.warn({ err: (err as Error).message, retryInMs }, "cannot read the audit log from the backoffice");
      return retryInMs;
    }
    metrics.position(page.headPosition - cursor.position, page.oldestUnreadAt ? timestampDate(page.oldestUnreadAt) : undefined);
    if (page.entries.length === 0) return settings.intervalMs;

    const batch = buildExportBatch(page.entries);
    if (pending && batch.id !== pending.batchId) {
      // Same range, other content: the log was rewritten under a batch in flight. Send what it holds now.
      logger.error({ pending: pending.batchId, now: batch.id }, "the audit log changed under the pending batch");
    }
    const discontinuity = findDiscontinuity(cursor, page.entries);
    if (discontinuity && reportedBreak !== batch.id) {
      reportedBreak = batch.id;
      logger.error({ position: String(discontinuity.position), problem: discontinuity.problem }, "the audit log does not continue the exported chain; exporting it as it is");
    }
    if (!pending && !(await startPendingBatch(db, batch))) return 0; // another exporter recorded one first: read again
    return deliver(batch, cursor, pending?.attempts ?? 0, page.headPosition, signal);
  }

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    try {
      while (!signal.aborted) {
        let waitMs: number;
        try {
          waitMs = await turn(signal);
          failures = 0;
        } catch (err) {
          if (signal.aborted) break;
          waitMs = fullJitterDelayMs(settings.backoff, ++failures, random) + settings.intervalMs;
          logger.error({ err: (err as Error).message, retryInMs: waitMs }, "export turn failed");
        }
        if (waitMs > 0) await sleep(waitMs, signal);
      }
    } finally {
      setLeader(false);
      await options.leaderLock.release();
    }
  }

  return { run, readiness: health.checks };
}
