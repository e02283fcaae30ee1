/**
 * The providers a local mesh delivers to: an SMTP server and an HTTP
 * endpoint taking the notification service's SMS and push requests, keeping
 * what arrives in memory (the last 500) for `GET /messages`, so a developer
 * can read a verification email without a mail account. Logs one line per
 * message without its body: bodies may hold single-use tokens.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One message a provider accepted. */
export interface SunkMessage {
  readonly channel: "email" | "sms" | "push";
  readonly to: string;
  readonly subject?: string;
  readonly body: string;
  readonly receivedAt: string;
}

/** A running sink. */
export interface ProviderSink {
  readonly smtpUrl: string;
  readonly smsUrl: string;
  readonly pushUrl: string;
  readonly messagesUrl: string;
  close(): Promise<void>;
}

const KEEP = 500;

/** Starts the sink on `smtpPort` and `httpPort` (0 picks free ones); rejects, with nothing left listening, when either is taken. */
export async function startProviderSink(options: { smtpPort: number; httpPort: number; log: (line: string) => void }): Promise<ProviderSink> {
  const messages: SunkMessage[] = [];
  const keep = (message: SunkMessage) => {
    messages.push(message);
    if (messages.length > KEEP) messages.shift();
    options.log(`${message.channel} to ${message.to}${message.subject ? ` "${message.subject}"` : ""}: GET /messages to read it`);
  };

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
        const subject = /^subject: (.*)$/im.exec(head)?.[1]?.trim();
        const to = session.envelope.rcptTo.map((r) => r.address).join(", ");
        const body = /^content-transfer-encoding: quoted-printable$/im.test(head) ? decodeQuotedPrintable(rest.join("\n\n")) : rest.join("\n\n");
        keep({ channel: "email", to, subject, body, receivedAt: new Date().toISOString() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(options.smtpPort, "127.0.0.1", () => resolve());
  });

  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/messages") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ messages }, null, 2));
      return;
    }
    if (req.method !== "POST" || (req.url !== "/sms" && req.url !== "/push")) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const receivedAt = new Date().toISOString();
      if (req.url === "/sms") keep({ channel: "sms", to: String(payload.to ?? ""), body: String(payload.text ?? ""), receivedAt });
      else keep({ channel: "push", to: `${(payload.tokens as unknown[] | undefined)?.length ?? 0} device(s)`, subject: String(payload.title ?? ""), body: String(payload.body ?? ""), receivedAt });
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ id: `sink-${messages.length}` }));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.httpPort, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw err;
  }

  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const httpBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    smsUrl: `${httpBase}/sms`,
    pushUrl: `${httpBase}/push`,
    messagesUrl: `${httpBase}/messages`,
    async close() {
      await Promise.all([new Promise<void>((resolve) => smtp.close(() => resolve())), new Promise<void>((resolve) => server.close(() => resolve()))]);
    },
  };
}

/** Undoes nodemailer's quoted-printable body encoding so a token reads as sent. */
function decodeQuotedPrintable(text: string): string {
  const percentEncoded = text
    .replace(/=\r?\n/g, "")
    .replace(/%/g, "%25")
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(percentEncoded);
  } catch {
    return text;
  }
}
