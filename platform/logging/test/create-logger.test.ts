import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../index.js";

/** Collects the JSON lines a logger writes. */
function captureLogger(level = "info") {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ service: "ledger", level, destination });
  return { logger, lines };
}

const secrets = {
  password: "pw-top-level",
  new_password: "pw-new",
  current_password: "pw-current",
  token: "tok-plain",
  access_token: "tok-access",
  refresh_token: "tok-refresh",
  id_token: "tok-id",
  otp: "otp-123456",
  totp_code: "totp-654321",
  code: "code-auth",
  recovery_code: "recovery-abcd",
  secret: "secret-shh",
  api_key: "apikey-xyz",
};

describe("createLogger", () => {
  it("writes JSON lines carrying the service name and level", () => {
    const { logger, lines } = captureLogger();
    logger.info({ method: "wallet.ledger.v1.LedgerService/Transfer" }, "rpc");
    const line = JSON.parse(lines[0]!);
    assert.equal(line.service, "ledger");
    assert.equal(line.level, "info");
    assert.equal(line.msg, "rpc");
    assert.equal(line.method, "wallet.ledger.v1.LedgerService/Transfer");
  });

  it("never prints credentials at the top level, nested, or in headers", () => {
    const { logger, lines } = captureLogger();
    logger.info({
      ...secrets,
      user: { ...secrets },
      req: {
        headers: { authorization: "Bearer hdr-auth", cookie: "sid=hdr-cookie", "x-api-key": "hdr-key" },
        body: { login: { ...secrets } },
      },
      body: { code: "body-code" },
    });
    const output = lines.join("\n");
    for (const value of [...Object.values(secrets), "hdr-auth", "hdr-cookie", "hdr-key", "body-code"]) {
      assert.ok(!output.includes(value), `${value} leaked: ${output}`);
    }
    const line = JSON.parse(lines[0]!);
    assert.equal(line.password, "[redacted]");
    assert.equal(line.user.refresh_token, "[redacted]");
    assert.equal(line.req.headers.authorization, "[redacted]");
    assert.equal(line.req.body.login.otp, "[redacted]");
  });

  it("keeps idempotency keys and error codes readable", () => {
    const { logger, lines } = captureLogger();
    const err = Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" });
    logger.error({ idempotency_key: "idem-1", request: { idempotencyKey: "idem-2" }, err }, "failed");
    const line = JSON.parse(lines[0]!);
    assert.equal(line.idempotency_key, "idem-1");
    assert.equal(line.request.idempotencyKey, "idem-2");
    assert.equal(line.err.code, "ECONNREFUSED");
  });

  it("carries bound fields on child loggers", () => {
    const { logger, lines } = captureLogger();
    logger.child({ requestId: "req-1" }).warn({ token: "child-token" }, "slow");
    const line = JSON.parse(lines[0]!);
    assert.equal(line.requestId, "req-1");
    assert.equal(line.token, "[redacted]");
  });
});
