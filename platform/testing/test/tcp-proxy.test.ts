import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { createTcpProxy } from "../tcp-proxy.js";

// An echo server stands in for RabbitMQ or PostgreSQL.
let echo: net.Server;
let echoPort: number;
before(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((resolve) => echo.close(() => resolve())));

/** Connects, sends `text` and resolves with the echo, or rejects when the connection fails or ends first. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
      if (received.length >= text.length) {
        socket.end();
        resolve(received);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("closed before the echo")));
    socket.write(text);
  });
}

function opened(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.on("error", reject);
  });
}

test("the proxy relays bytes both ways", async (t) => {
  const proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: echoPort });
  t.after(() => proxy.close());
  assert.equal(await roundTrip(proxy.port, "hello"), "hello");
});

test("cut() closes every open connection", async (t) => {
  const proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: echoPort });
  t.after(() => proxy.close());
  const socket = await opened(proxy.port);
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  while (proxy.openConnections === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  proxy.cut();
  await closed;
  assert.equal(proxy.openConnections, 0);
});

test("while cut, new connections are refused; after restore() they are relayed again", async (t) => {
  const proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: echoPort });
  t.after(() => proxy.close());
  proxy.cut();
  await assert.rejects(roundTrip(proxy.port, "lost"));
  proxy.restore();
  assert.equal(await roundTrip(proxy.port, "back"), "back");
});

test("a blackhole cut accepts new connections and never answers", async (t) => {
  const proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: echoPort });
  t.after(() => proxy.close());
  proxy.cut("blackhole");
  const socket = await opened(proxy.port);
  socket.on("error", () => {});
  let answered = false;
  socket.on("data", () => (answered = true));
  socket.write("anyone?");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(answered, false);
  socket.destroy();
});

test("url() points a connection URL at the proxy, keeping credentials and path", async (t) => {
  const proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: echoPort });
  t.after(() => proxy.close());
  assert.equal(proxy.url("amqp://guest:guest@localhost:5672/vhost"), `amqp://guest:guest@127.0.0.1:${proxy.port}/vhost`);
});
