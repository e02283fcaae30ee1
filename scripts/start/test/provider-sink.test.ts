/** The local provider sink `npm start` delivers notifications to. */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import nodemailer from "nodemailer";
import { startProviderSink, type SunkMessage } from "../provider-sink.js";

const quiet = () => {};
const messagesOf = async (url: string) => ((await (await fetch(url)).json()) as { messages: SunkMessage[] }).messages;

test("an email sent over SMTP reads back from GET /messages with its body decoded as sent", async (t) => {
  const sink = await startProviderSink({ smtpPort: 0, httpPort: 0, log: quiet });
  t.after(() => sink.close());
  const code = `${"x".repeat(70)}=token`; // long enough for a quoted-printable soft break, with an "=" to escape
  const transport = nodemailer.createTransport({ url: sink.smtpUrl, ignoreTLS: true } as never);
  await transport.sendMail({ from: "wallet@example.test", to: "ana@example.test", subject: "Confirm your email", text: `Your code: ${code}\n` });
  transport.close();

  const [email] = await messagesOf(sink.messagesUrl);
  assert.equal(email?.channel, "email");
  assert.equal(email?.to, "ana@example.test");
  assert.equal(email?.subject, "Confirm your email");
  assert.match(email!.body, new RegExp(`Your code: ${code}`));
});

test("SMS and push requests are accepted and listed", async (t) => {
  const sink = await startProviderSink({ smtpPort: 0, httpPort: 0, log: quiet });
  t.after(() => sink.close());
  const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.equal((await post(sink.smsUrl, { to: "+4915112345678", text: "Sent 12.00 EUR" })).status, 202);
  assert.equal((await post(sink.pushUrl, { tokens: ["t1", "t2"], title: "Transfer", body: "Sent 12.00 EUR" })).status, 202);

  const messages = await messagesOf(sink.messagesUrl);
  assert.deepEqual(
    messages.map((m) => [m.channel, m.to, m.body]),
    [
      ["sms", "+4915112345678", "Sent 12.00 EUR"],
      ["push", "2 device(s)", "Sent 12.00 EUR"],
    ],
  );
});

test("a taken HTTP port rejects with EADDRINUSE and leaves the SMTP port free again", async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const taken = (blocker.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const smtpPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  await assert.rejects(startProviderSink({ smtpPort, httpPort: taken, log: quiet }), { code: "EADDRINUSE" });
  const again = net.createServer();
  await new Promise<void>((resolve, reject) => again.once("error", reject).listen(smtpPort, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => again.close(() => resolve()));
});
