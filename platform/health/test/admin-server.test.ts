import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Gauge, Registry } from "prom-client";
import { startAdminServer, type AdminServerOptions, type ReadinessCheck } from "../index.js";

async function withAdmin(
  options: Partial<AdminServerOptions>,
  test: (url: string) => Promise<void>,
): Promise<void> {
  const admin = await startAdminServer({
    port: 0,
    host: "127.0.0.1",
    registry: new Registry(),
    isShuttingDown: () => false,
    ...options,
  });
  try {
    await test(admin.url);
  } finally {
    await admin.close();
  }
}

const passing: ReadinessCheck = { name: "postgres", check: async () => {} };
const failing: ReadinessCheck = {
  name: "redis",
  check: async () => {
    throw new Error("connect ECONNREFUSED redis://:s3cret@127.0.0.1:6379");
  },
};
const hanging: ReadinessCheck = { name: "rabbitmq", check: () => new Promise(() => {}) };

describe("startAdminServer", () => {
  it("answers /healthz with 200", async () => {
    await withAdmin({}, async (url) => {
      const res = await fetch(`${url}/healthz`);
      assert.equal(res.status, 200);
    });
  });

  it("answers /readyz with 200 when every check passes", async () => {
    await withAdmin({ readiness: [passing] }, async (url) => {
      const res = await fetch(`${url}/readyz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "ready", failing: [], checks: { postgres: "ok" } });
    });
  });

  it("answers /readyz with 503 naming the failing check without its error", async () => {
    await withAdmin({ readiness: [passing, failing] }, async (url) => {
      const res = await fetch(`${url}/readyz`);
      assert.equal(res.status, 503);
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), {
        status: "not ready",
        failing: ["redis"],
        checks: { postgres: "ok", redis: "failed" },
      });
      assert.doesNotMatch(text, /s3cret|ECONNREFUSED/);
    });
  });

  it("shows a check's detail beside its verdict on /readyz", async () => {
    const reconnecting: ReadinessCheck = {
      name: "amqp",
      check: async () => {
        throw new Error("not connected");
      },
      detail: () => ({ reconnectAttempt: 3, retryInMs: 4200 }),
    };
    const brokenDetail: ReadinessCheck = {
      ...passing,
      detail: () => {
        throw new Error("boom");
      },
    };
    await withAdmin({ readiness: [brokenDetail, reconnecting] }, async (url) => {
      const res = await fetch(`${url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), {
        status: "not ready",
        failing: ["amqp"],
        checks: { postgres: "ok", amqp: "failed" },
        details: { amqp: { ok: false, reconnectAttempt: 3, retryInMs: 4200 } },
      });
    });
  });

  it("answers /readyz with 503 when a check outlasts its timeout", async () => {
    await withAdmin({ readiness: [hanging], readinessTimeoutMs: 50 }, async (url) => {
      const res = await fetch(`${url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(((await res.json()) as { checks: unknown }).checks, { rabbitmq: "timeout" });
    });
  });

  it("answers /readyz with 503 while shutting down", async () => {
    await withAdmin({ readiness: [passing], isShuttingDown: () => true }, async (url) => {
      assert.equal((await fetch(`${url}/readyz`)).status, 503);
    });
  });

  it("serves the registry as Prometheus text on /metrics", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: "ledger" });
    new Gauge({ name: "test_gauge", help: "a gauge", registers: [registry] });
    await withAdmin({ registry }, async (url) => {
      const res = await fetch(`${url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
      assert.match(await res.text(), /# TYPE test_gauge gauge/);
    });
  });

  it("exports readiness_check_ok per check on /metrics, running the checks at scrape time", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: "ledger" });
    let redisUp = false;
    const redis: ReadinessCheck = {
      name: "redis",
      check: async () => {
        if (!redisUp) throw new Error("connect ECONNREFUSED redis://:s3cret@127.0.0.1:6379");
      },
    };
    await withAdmin({ registry, readiness: [passing, redis, hanging], readinessTimeoutMs: 50 }, async (url) => {
      const scrape = async () => (await fetch(`${url}/metrics`)).text();
      let text = await scrape();
      assert.match(text, /# TYPE readiness_check_ok gauge/);
      assert.match(text, /^readiness_check_ok\{check="postgres",service="ledger"\} 1$/m);
      assert.match(text, /^readiness_check_ok\{check="redis",service="ledger"\} 0$/m);
      assert.match(text, /^readiness_check_ok\{check="rabbitmq",service="ledger"\} 0$/m, "a check that outlasts its timeout counts as failed");
      assert.doesNotMatch(text, /s3cret|ECONNREFUSED/);
      redisUp = true;
      text = await scrape();
      assert.match(text, /^readiness_check_ok\{check="redis",service="ledger"\} 1$/m, "the next scrape runs the check again");
    });
  });

  it("exports readiness_check_ok without series for a process without readiness checks", async () => {
    await withAdmin({}, async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.match(text, /# TYPE readiness_check_ok gauge/);
      assert.doesNotMatch(text, /^readiness_check_ok\{/m);
    });
  });

  it("answers unknown paths with 404", async () => {
    await withAdmin({}, async (url) => {
      assert.equal((await fetch(`${url}/nope`)).status, 404);
    });
  });
});
