/**
 * What the fault suite reads to judge the ledger: its database directly (a
 * test may; no service does) and the events on the mesh's exchange, through
 * connections of its own that no fault touches.
 */
import amqp from "amqplib";
import pg from "pg";

/** One reading of the wallets under test. */
export interface WalletSample {
  readonly at: number;
  /** Sum of the posted balances: constant while money only moves between these wallets. */
  readonly total: bigint;
  /** Lowest available balance (posted − held). */
  readonly minAvailable: bigint;
}

/** The ledger database as the suite reads it. */
export interface LedgerObserver {
  sample(): Promise<WalletSample>;
  /** Samples every `intervalMs` until the returned function is called; it resolves with every sample. */
  sampleEvery(intervalMs: number): () => Promise<WalletSample[]>;
  /** Movements that touch the wallets other than their funding top-ups: id → kind. */
  movements(): Promise<Map<string, string>>;
  /** Holds on the wallets: id → status. */
  holds(): Promise<Map<string, string>>;
  /** Outbox rows by status. */
  outboxStatuses(): Promise<Record<string, number>>;
  /** Movements of the wallets (top-ups too) that have no event in the outbox: their transaction's, or for a capture its hold's HoldCaptured. */
  movementsWithoutEvent(): Promise<string[]>;
  /** Event ids of the ledger's outbox, with their event types. */
  outboxEvents(): Promise<Map<string, string>>;
  close(): Promise<void>;
}

export function createLedgerObserver(databaseUrl: string, accountIds: readonly string[]): LedgerObserver {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on("error", () => {});
  const sample = async (): Promise<WalletSample> => {
    const { rows } = await pool.query<{ total: string; min_available: string }>(
      "SELECT sum(posted)::text AS total, min(posted - held)::text AS min_available FROM balances WHERE account_id = ANY($1::uuid[])",
      [accountIds],
    );
    return { at: Date.now(), total: BigInt(rows[0]!.total), minAvailable: BigInt(rows[0]!.min_available) };
  };
  return {
    sample,
    sampleEvery(intervalMs) {
      const samples: WalletSample[] = [];
      let running = true;
      const loop = (async () => {
        while (running) {
          samples.push(await sample());
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      })();
      return async () => {
        running = false;
        await loop;
        return samples;
      };
    },
    async movements() {
      const { rows } = await pool.query<{ id: string; kind: string }>(
        `SELECT DISTINCT t.id, t.kind FROM transactions t JOIN entries e ON e.transaction_id = t.id
          WHERE e.account_id = ANY($1::uuid[]) AND t.kind <> 'TOP_UP'`,
        [accountIds],
      );
      return new Map(rows.map((row) => [row.id, row.kind]));
    },
    async movementsWithoutEvent() {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT DISTINCT t.id FROM transactions t JOIN entries e ON e.transaction_id = t.id
          WHERE e.account_id = ANY($1::uuid[])
            AND NOT EXISTS (
              SELECT 1 FROM outbox_events o
               WHERE (o.aggregate_type = 'transaction' AND o.aggregate_id::text = t.id::text)
                  -- A capture is announced as its hold's event (HoldCaptured, naming the transaction).
                  OR (t.kind = 'HOLD_CAPTURE' AND o.aggregate_type = 'hold' AND o.aggregate_id::text = t.hold_id::text
                      AND o.event_type = 'wallet.events.v1.HoldCaptured'))`,
        [accountIds],
      );
      return rows.map((row) => row.id);
    },
    async holds() {
      const { rows } = await pool.query<{ id: string; status: string }>("SELECT id, status FROM holds WHERE account_id = ANY($1::uuid[])", [accountIds]);
      return new Map(rows.map((row) => [row.id, row.status]));
    },
    async outboxStatuses() {
      const { rows } = await pool.query<{ status: string; count: string }>("SELECT status, count(*)::text AS count FROM outbox_events GROUP BY status");
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
    },
    async outboxEvents() {
      const { rows } = await pool.query<{ event_id: string; event_type: string }>("SELECT event_id, event_type FROM outbox_events");
      return new Map(rows.map((row) => [row.event_id, row.event_type]));
    },
    close: () => pool.end(),
  };
}

/** The events that reached a queue of the suite's own, bound to the mesh's exchange. */
export interface EventTap {
  /** How often each event id arrived. */
  readonly received: ReadonlyMap<string, number>;
  /** Epoch ms of each arrival, in order. */
  readonly arrivals: readonly number[];
  close(): Promise<void>;
}

/** Binds an exclusive queue to `exchange` for `bindingKey` and counts what arrives. */
export async function tapEvents(amqpUrl: string, exchange: string, bindingKey: string): Promise<EventTap> {
  const connection = await amqp.connect(amqpUrl);
  connection.on("error", () => {});
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, bindingKey);
  const received = new Map<string, number>();
  const arrivals: number[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      const id = String(message.properties.messageId);
      received.set(id, (received.get(id) ?? 0) + 1);
      arrivals.push(Date.now());
    },
    { noAck: true },
  );
  return { received, arrivals, close: () => connection.close().catch(() => {}) };
}
