import { randomUUID } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { connectNodeAdapter } from "@connectrpc/connect-node";
import { requestIdHeader } from "./request-id.js";

/** A request handler usable by both the http and the http2 server. */
export type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;

/** The bytes every HTTP/2 prior-knowledge (h2c) connection starts with. */
const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** A connection that sends nothing for this long is dropped before it is classified. */
const sniffTimeoutMs = 10_000;

/** HTTP/1.1 settings of {@link createDualProtocolServer}. */
export interface Http1Options {
  /** Node's `maxHeaderSize` (bytes of request line and headers); default Node's, 16 KiB. */
  readonly maxHeaderSize?: number;
  /**
   * Headers added to the answers the HTTP/1.1 parser sends itself, before any
   * handler sees a request (431 headers too large, 414 a request line too
   * long, 400 unparseable, 408 timeout): the gateway's security headers.
   */
  readonly refusalHeaders?: Readonly<Record<string, string>>;
  /**
   * More headers for those answers, by the socket's remote address (the
   * gateway's per-IP rate-limit headers); the answer waits for them. When it
   * throws, the answer goes without them.
   */
  readonly refusalHeadersFor?: (remoteAddress: string) => Promise<Readonly<Record<string, string>>>;
}

/** What the HTTP/1.1 parser's refusals answer, by Node's error code; anything else is 400. */
const clientErrorAnswers: Readonly<Record<string, { status: number; reason: string; detail: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: "HEADERS_TOO_LARGE", detail: "the request line and headers are too large" },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, reason: "BODY_TOO_LARGE", detail: "the chunk extensions are too large" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: "REQUEST_TIMEOUT", detail: "the request was not received in time" },
};
const malformedRequest = { status: 400, reason: "MALFORMED_REQUEST", detail: "the request is not valid HTTP/1.1" };
/** Node's header overflow when the bytes that overflowed are a request line still without its end. */
const uriTooLong = { status: 414, reason: "URI_TOO_LONG", detail: "the request URL is too long" };

/** A request line's start: a method token and a space. */
const requestLineStart = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

/**
 * Whether a header overflow happened in the request line: the refused read,
 * from the end of any earlier request's head in it up to where the parser
 * stopped, starts a request line and holds no line break. Node's one limit
 * counts the URL and the headers together; when the request line began in an
 * earlier read this cannot be told, and the answer stays 431.
 */
function overflowedInRequestLine(err: { rawPacket?: unknown; bytesParsed?: unknown }): boolean {
  if (!Buffer.isBuffer(err.rawPacket)) return false;
  const parsed = typeof err.bytesParsed === "number" ? err.bytesParsed : err.rawPacket.length;
  const refused = err.rawPacket.subarray(0, parsed).toString("latin1");
  const headEnd = refused.lastIndexOf("\r\n\r\n");
  const current = headEnd < 0 ? refused : refused.slice(headEnd + 4);
  return requestLineStart.test(current) && !current.includes("\n");
}

/** The answer to the parser's error `err`. */
function clientErrorAnswer(err: NodeJS.ErrnoException & { rawPacket?: unknown; bytesParsed?: unknown }) {
  if (err.code === "HPE_HEADER_OVERFLOW" && overflowedInRequestLine(err)) return uriTooLong;
  return clientErrorAnswers[err.code ?? ""] ?? malformedRequest;
}

/**
 * The raw HTTP/1.1 answer to a request the parser refused: RFC 9457
 * problem+json with a fresh request id (in the body and `x-request-id`), the
 * extra headers, and `Connection: close`. The answer is the one of `code`
 * unless told otherwise (414 for an overflow in the request line).
 */
export function clientErrorResponse(
  code: string | undefined,
  extraHeaders: Readonly<Record<string, string>> = {},
  answer: { status: number; reason: string; detail: string } = clientErrorAnswers[code ?? ""] ?? malformedRequest,
): string {
  const { status, reason, detail } = answer;
  const requestId = randomUUID();
  const title = http.STATUS_CODES[status] ?? "Bad Request";
  const body = JSON.stringify({ type: "about:blank", title, status, detail, reason, requestId });
  const headers: Record<string, string> = {
    "content-type": "application/problem+json",
    "content-length": String(Buffer.byteLength(body)),
    [requestIdHeader]: requestId,
    ...extraHeaders,
    connection: "close",
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${title}\r\n${lines.join("\r\n")}\r\n\r\n${body}`;
}

/**
 * A plaintext listener that serves HTTP/2 with prior knowledge (gRPC from
 * grpc-js, buf curl, grpcurl) and HTTP/1.1 (Connect and gRPC-Web from curl
 * and browsers) on one port.
 */
export interface DualProtocolServer {
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** True once close() has begun; new HTTP/1.1 responses then ask the client to close. */
  readonly closing: boolean;
  /**
   * Stops accepting connections, sends GOAWAY to HTTP/2 sessions, closes idle
   * HTTP/1.1 connections and waits for in-flight requests. Resolves true when
   * everything drained within `timeoutMs`, false if it had to give up.
   */
  close(timeoutMs: number): Promise<boolean>;
  /** Destroys every remaining connection at once. */
  destroy(): void;
  /** Requests being handled right now. */
  readonly inFlight: number;
}

/**
 * Creates the server. Node's plaintext `http2` server rejects HTTP/1.1, so a
 * `net.Server` reads the first bytes of each connection and hands the socket
 * (with those bytes put back) to an `http2` or an `http` server, both using
 * `handler`.
 */
export function createDualProtocolServer(handler: NodeHandlerFn, http1: Http1Options = {}): DualProtocolServer {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  /** Requests in progress per HTTP/1.1 socket; absent while sniffing or for HTTP/2. */
  const activePerSocket = new WeakMap<net.Socket, number>();
  const http2Sockets = new WeakSet<net.Socket>();
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  const checkDrained = () => {
    if (closing && sockets.size === 0) drained?.();
  };

  const track: NodeHandlerFn = (req, res) => {
    inFlight++;
    const socket = req.httpVersionMajor === 1 ? (req.socket as net.Socket) : undefined;
    if (socket) {
      activePerSocket.set(socket, (activePerSocket.get(socket) ?? 0) + 1);
      // Keep-alive would let an HTTP/1.1 client reuse a connection we are closing.
      if (closing) res.setHeader("connection", "close");
    }
    res.once("close", () => {
      inFlight--;
      if (!socket) return;
      const active = (activePerSocket.get(socket) ?? 1) - 1;
      activePerSocket.set(socket, active);
      if (closing && active === 0) socket.end();
    });
    handler(req, res);
  };

  const h1 = http.createServer(http1.maxHeaderSize !== undefined ? { maxHeaderSize: http1.maxHeaderSize } : {}, track);
  /** Sockets whose refusal waits for `refusalHeadersFor`: the parser may report the same error again meanwhile. */
  const refusing = new WeakSet<net.Socket>();
  // Node's own answer to an unparseable request has no body and no request id.
  h1.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => {
    if (refusing.has(socket)) return;
    const response = (socket as net.Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || response?.headersSent) return void socket.destroy();
    const answer = clientErrorAnswer(err);
    const address = socket.remoteAddress;
    if (!http1.refusalHeadersFor || address === undefined) return void socket.end(clientErrorResponse(err.code, http1.refusalHeaders, answer));
    refusing.add(socket);
    void http1
      .refusalHeadersFor(address)
      .catch(() => ({}))
      .then((more) => {
        refusing.delete(socket);
        if (socket.writable) socket.end(clientErrorResponse(err.code, { ...http1.refusalHeaders, ...more }, answer));
        else socket.destroy();
      });
  });
  const h2 = http2.createServer(track);
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (closing) session.close();
  });
  // Errors on a single client session must not bring the process down.
  h2.on("sessionError", () => {});

  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {}); // resets by clients are routine
    socket.once("close", () => {
      sockets.delete(socket);
      checkDrained();
    });
    if (closing) return void socket.destroy();
    sniff(socket);
  });

  function sniff(socket: net.Socket): void {
    let buffered = Buffer.alloc(0);
    socket.setTimeout(sniffTimeoutMs, () => socket.destroy());
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const n = Math.min(buffered.length, http2Preface.length);
      const isPreface = buffered.subarray(0, n).equals(http2Preface.subarray(0, n));
      if (isPreface && n < http2Preface.length) return; // need more bytes to decide
      socket.off("data", onData);
      socket.setTimeout(0); // the http and http2 servers apply their own timeouts
      socket.pause();
      socket.unshift(buffered);
      if (isPreface) {
        // The http2 session reads the unshifted bytes itself on the next tick.
        http2Sockets.add(socket);
        h2.emit("connection", socket);
      } else {
        activePerSocket.set(socket, 0);
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }

  return {
    get closing() {
      return closing;
    },
    get inFlight() {
      return inFlight;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, host, () => {
          listener.off("error", reject);
          resolve((listener.address() as net.AddressInfo).port);
        });
      });
    },
    async close(timeoutMs) {
      if (!closing) {
        closing = true;
        listener.close();
        for (const session of sessions) session.close(); // GOAWAY; open streams finish
        for (const socket of sockets) {
          const active = activePerSocket.get(socket);
          if (active === 0) socket.end(); // idle HTTP/1.1 keep-alive
          else if (active === undefined && !http2Sockets.has(socket)) socket.destroy(); // still sniffing
        }
      }
      if (sockets.size === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        new Promise<boolean>((resolve) => (drained = () => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      return done;
    },
    destroy() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
