/**
 * The SIEM a local mesh exports its audit log to: an HTTP endpoint taking
 * the audit-export worker's batches at `POST /webhook`, checking each
 * Standard Webhooks signature with the mesh's signing secret (a request that
 * does not verify is refused 401, which the exporter dead-letters), dropping
 * a batch it already has (by `webhook-id`, as a SIEM deduplicates), and
 * keeping what arrived in memory (the last 200 batches and 1000 events) for
 * `GET /events`. Logs one line per batch, without its events.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseSigningSecrets, verifyWebhook } from "../../services/audit-export/src/domain/webhook-signature.js";

/** One batch the sink accepted. */
export interface SunkBatch {
  readonly webhookId: string;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly previousHash: string;
  readonly chainHash: string;
  readonly events: number;
  /** Whether its previous hash is the chain hash of the batch ending just before it (unknown when that one did not arrive here). */
  readonly continues: boolean | "unknown";
  readonly receivedAt: string;
}

/** A running sink. */
export interface SiemSink {
  /** Where the exporter POSTs (AUDIT_EXPORT_WEBHOOK_URL). */
  readonly webhookUrl: string;
  /** What arrived: `GET` it. */
  readonly eventsUrl: string;
  close(): Promise<void>;
}

const KEEP_BATCHES = 200;
/** Chain hashes remembered by last position, to check the continuity of batches arriving later (replays). */
const KEEP_CHAIN_HASHES = 10_000;
const GENESIS_HASH = "0".repeat(64);
const KEEP_EVENTS = 1_000;
/** Largest body taken: a batch of 1000 events is well under it. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The batch envelope's fields the sink reads. */
interface Envelope {
  batch_id?: unknown;
  first_position?: unknown;
  last_position?: unknown;
  previous_hash?: unknown;
  chain_hash?: unknown;
  events?: unknown;
}

/**
 * Starts the sink on `port` (0 picks a free one) checking signatures with
 * `signingSecret` (one or more `whsec_` secrets); rejects when the port is taken.
 * @throws Error when the secret is malformed (it is never shown).
 */
export async function startSiemSink(options: { port: number; signingSecret: string; log: (line: string) => void }): Promise<SiemSink> {
  const keys = parseSigningSecrets(options.signingSecret);
  const batches: SunkBatch[] = [];
  const events: unknown[] = [];
  const seen = new Set<string>();
  const chainHashAt = new Map<number, string>([[0, GENESIS_HASH]]);

  const answer = (res: http.ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body, null, 2));

  function take(headers: http.IncomingHttpHeaders, raw: string, res: http.ServerResponse): void {
    const header = (name: string) => (typeof headers[name] === "string" ? (headers[name] as string) : undefined);
    const problem = verifyWebhook(keys, { "webhook-id": header("webhook-id"), "webhook-timestamp": header("webhook-timestamp"), "webhook-signature": header("webhook-signature") }, raw, new Date());
    if (problem) {
      options.log(`refused a batch: ${problem}`);
      return answer(res, 401, { error: problem });
    }
    const id = header("webhook-id")!;
    if (seen.has(id)) return answer(res, 200, { duplicate: true });
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return answer(res, 400, { error: "the body is not JSON" });
    }
    if (!Array.isArray(envelope.events)) return answer(res, 400, { error: "no events" });
    seen.add(id);
    const previousHash = String(envelope.previous_hash ?? "");
    const firstPosition = Number(envelope.first_position);
    const before = chainHashAt.get(firstPosition - 1);
    const batch: SunkBatch = {
      webhookId: id,
      firstPosition,
      lastPosition: Number(envelope.last_position),
      previousHash,
      chainHash: String(envelope.chain_hash ?? ""),
      events: envelope.events.length,
      continues: before === undefined ? "unknown" : before === previousHash,
      receivedAt: new Date().toISOString(),
    };
    chainHashAt.set(batch.lastPosition, batch.chainHash);
    if (chainHashAt.size > KEEP_CHAIN_HASHES) chainHashAt.delete(chainHashAt.keys().next().value!);
    batches.push(batch);
    events.push(...envelope.events);
    if (batches.length > KEEP_BATCHES) batches.splice(0, batches.length - KEEP_BATCHES);
    if (events.length > KEEP_EVENTS) events.splice(0, events.length - KEEP_EVENTS);
    options.log(`audit entries ${batch.firstPosition}-${batch.lastPosition} (${batch.events} events${batch.continues === false ? ", NOT continuing the chain" : ""}): GET /events to read them`);
    answer(res, 200, { accepted: batch.events });
  }

  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/events") return answer(res, 200, { batches, events });
    if (req.method !== "POST" || req.url !== "/webhook") return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => (size > MAX_BODY_BYTES ? answer(res, 413, { error: "too large" }) : take(req.headers, Buffer.concat(chunks).toString("utf8"), res)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    webhookUrl: `${base}/webhook`,
    eventsUrl: `${base}/events`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
