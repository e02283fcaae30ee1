/**
 * Test support: a real HTTP SIEM webhook on port 0. Every request's
 * signature is checked with the `standardwebhooks` package, an
 * implementation independent of the exporter's, against every secret the
 * sink holds (during a rotation each must have signed). Its behaviour can be
 * switched at any time: accept (2xx), answer any status with headers and a
 * body, hang without answering, take the batch and then hang (a crash
 * between the receiver's 2xx and the exporter's commit looks like this), or
 * refuse connections (the listener closed).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";
import { eventually } from "./eventually.js";

/** What the sink does with a request. */
export type SinkBehaviour =
  | { readonly kind: "accept"; readonly status?: number }
  | { readonly kind: "answer"; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly kind: "hang" }
  | { readonly kind: "take-then-hang" }
  | { readonly kind: "refuse" };

/** The batch envelope as the sink parsed it. */
export interface Envelope {
  readonly batch_id: string;
  readonly first_position: number;
  readonly last_position: number;
  readonly previous_hash: string;
  readonly chain_hash: string;
  readonly events: ReadonlyArray<Record<string, any>>;
}

/** One request the sink received with a valid signature. */
export interface Received {
  readonly webhookId: string;
  readonly timestamp: number;
  readonly signatures: string;
  readonly rawBody: string;
  readonly envelope: Envelope;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
  /** What the sink did with it. */
  readonly behaviour: SinkBehaviour["kind"];
  /** The status answered, when it answered. */
  readonly status: number | undefined;
}

/** A running test sink. */
export interface TestSiemSink {
  readonly url: string;
  /** Every validly signed request, in arrival order. */
  readonly received: readonly Received[];
  /** Requests whose signature did not verify (answered 401): must stay empty. */
  readonly invalid: readonly string[];
  /** Batches the sink took (answered 2xx, or took and then hung), in arrival order. */
  taken(): Received[];
  /** Switches behaviour: a fixed one, or one chosen per request from its envelope. */
  behave(behaviour: SinkBehaviour | ((envelope: Envelope) => SinkBehaviour)): Promise<void>;
  /** Resolves once `predicate` holds over the sink (polled); rejects after `timeoutMs`. */
  waitFor(predicate: (sink: TestSiemSink) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const TAKES: ReadonlyArray<SinkBehaviour["kind"]> = ["accept", "take-then-hang"];

/** Starts the sink holding `secrets` (each must sign every request). */
export async function startTestSiemSink(secrets: readonly string[]): Promise<TestSiemSink> {
  const verifiers = secrets.map((secret) => new Webhook(secret));
  const received: Received[] = [];
  const invalid: string[] = [];
  const sockets = new Set<Socket>();
  let choose: (envelope: Envelope) => SinkBehaviour = () => ({ kind: "accept" });
  let port = 0;
  let listening = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const headers = { "webhook-id": String(req.headers["webhook-id"] ?? ""), "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""), "webhook-signature": String(req.headers["webhook-signature"] ?? "") };
      try {
        for (const verifier of verifiers) verifier.verify(rawBody, headers);
      } catch (err) {
        invalid.push(`${headers["webhook-id"]}: ${(err as Error).message}`);
        res.writeHead(401).end();
        return;
      }
      const envelope = JSON.parse(rawBody) as Envelope;
      const behaviour = choose(envelope);
      const status = behaviour.kind === "accept" ? (behaviour.status ?? 200) : behaviour.kind === "answer" ? behaviour.status : undefined;
      received.push({
        webhookId: headers["webhook-id"],
        timestamp: Number(headers["webhook-timestamp"]),
        signatures: headers["webhook-signature"],
        rawBody,
        envelope,
        at: Date.now(),
        behaviour: behaviour.kind,
        status,
      });
      if (behaviour.kind === "accept") res.writeHead(status!, { "content-type": "application/json" }).end('{"ok":true}');
      else if (behaviour.kind === "answer") res.writeHead(status!, behaviour.headers ?? {}).end(behaviour.body ?? "");
      // hang, take-then-hang: never answer; the socket closes when the client gives up or the sink closes
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await listen();

  const sink: TestSiemSink = {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    invalid,
    taken: () => received.filter((r) => TAKES.includes(r.behaviour) && (r.status === undefined || (r.status >= 200 && r.status < 300))),
    async behave(behaviour) {
      const refuse = typeof behaviour !== "function" && behaviour.kind === "refuse";
      choose = typeof behaviour === "function" ? behaviour : () => behaviour;
      if (refuse) await stopListening();
      else if (!listening) await listen();
    },
    waitFor: (predicate, what, timeoutMs) =>
      eventually(() => predicate(sink), () => `${what} (the sink has received ${received.length} requests, ${invalid.length} invalid)`, timeoutMs),
    close: stopListening,
  };
  return sink;
}

/** The positions the sink took, in arrival order (a resent batch's twice). */
export function takenPositions(sink: TestSiemSink): number[] {
  return sink.taken().flatMap((r) => r.envelope.events.map((event) => event.unmapped.position as number));
}

/** True once every position from 1 to `head` has been taken at least once. */
export function tookAllUpTo(head: number) {
  return (sink: TestSiemSink) => {
    const taken = new Set(takenPositions(sink));
    for (let position = 1; position <= head; position++) if (!taken.has(position)) return false;
    return true;
  };
}
