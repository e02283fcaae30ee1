import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import {
  GetBalanceRequestSchema,
  GetBalanceResponseSchema,
  LedgerService,
} from "../../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { useTestRedis } from "../../testing/index.js";
import { audienceKey, audienceOf, receiverKeys } from "../audience.js";
import { internalCallerKey, type InternalCaller } from "../context-values.js";
import { InternalAuthHeader } from "../headers.js";
import { createRedisNonceStore } from "../nonce-store.js";
import { createInternalAuthServerInterceptor } from "../server-interceptor.js";
import { canonicalString, EMPTY_BODY_DIGEST, messageDigest, procedureOf, sign, type SignedFields } from "../signature.js";

/** README's "The hmac signing scheme" subsection: the example is read from it, not copied. */
function schemeSection(): string {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("\n### The hmac signing scheme\n");
  assert.ok(start >= 0, "README has the subsection");
  const end = readme.slice(start + 1).search(/\n#{2,3} /);
  return end < 0 ? readme.slice(start) : readme.slice(start, start + 1 + end);
}

const section = schemeSection();
/** The section's fenced blocks in order: inputs, canonical string, headers, shell. */
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)\n```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));

/** `name: value` lines, split at the first colon. */
function pairs(text: string): Map<string, string> {
  return new Map(
    text.split("\n").map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as const;
    }),
  );
}

const inputs = pairs(blocks[0]!.text);
const documentedCanonical = blocks[1]!.text;
const headers = pairs(blocks[2]!.text);
const input = (name: string) => {
  const value = inputs.get(name);
  assert.ok(value !== undefined, `the example gives "${name}"`);
  return value;
};
const body = Buffer.from(input("body"), "hex");
/** The key for the audience, with Node's HMAC alone: what a team in another language computes. */
const key = createHmac("sha256", input("secret")).update(`wallet-internal-v1 key for ${input("audience")}`).digest("hex");
const hmacHex = (text: string) => createHmac("sha256", key).update(text).digest("hex");
const fields: SignedFields = {
  procedure: input("procedure"),
  caller: input("caller"),
  keyId: input("key id"),
  timestamp: input("timestamp"),
  nonce: input("nonce"),
  bodyDigest: createHash("sha256").update(body).digest("hex"),
  subject: input("subject"),
};

describe("README's hmac signing scheme", () => {
  it("has the example's inputs, canonical string, headers and shell check", () => {
    assert.deepEqual(
      blocks.map((b) => b.lang),
      ["text", "text", "text", "sh"],
    );
    assert.equal(body.toString("hex"), input("body").toLowerCase(), "the body is whole bytes of hex");
  });

  it("documents the body as the protobuf encoding of the named request message", () => {
    const accountId = /`account_id` `([^`]+)`/.exec(section)?.[1];
    const message = fromBinary(GetBalanceRequestSchema, body);
    assert.equal(message.accountId, accountId);
    assert.deepEqual(Buffer.from(toBinary(GetBalanceRequestSchema, message)), body, "the encoding the receiver re-creates");
    assert.equal(messageDigest(GetBalanceRequestSchema, message), fields.bodyDigest);
    assert.equal(procedureOf(LedgerService, LedgerService.method.getBalance), fields.procedure);
  });

  it("gives the canonical string the platform builds, line for line", () => {
    assert.equal(canonicalString(fields), documentedCanonical);
    assert.equal(documentedCanonical.split("\n").length, 8);
  });

  it("gives the key for the audience, the one the platform derives for the procedure's service", () => {
    assert.equal(/give the key `([0-9a-f]{64})` for the/.exec(section)?.[1], key);
    assert.equal(audienceKey(input("secret"), input("audience")), key);
    assert.equal(audienceOf(LedgerService.typeName), input("audience"));
    assert.ok(section.includes(`{"gateway":{"primary":"${key}"}}`), "the receiver's entry holds the key, not the secret");
  });

  it("gives the headers and signature computed from the documented canonical string, as the platform's signer does", () => {
    const signature = hmacHex(documentedCanonical);
    assert.equal(sign(fields, key), signature);
    assert.deepEqual(Object.fromEntries(headers), {
      [InternalAuthHeader.caller]: fields.caller,
      [InternalAuthHeader.keyId]: fields.keyId,
      [InternalAuthHeader.timestamp]: fields.timestamp,
      [InternalAuthHeader.nonce]: fields.nonce,
      [InternalAuthHeader.bodyDigest]: fields.bodyDigest,
      [InternalAuthHeader.subject]: fields.subject,
      [InternalAuthHeader.signature]: signature,
    });
    const withoutSubject = /Without `x-internal-subject` the eighth line is empty and the signature is\s+`([0-9a-f]{64})`/.exec(section)?.[1];
    assert.equal(hmacHex(documentedCanonical.slice(0, documentedCanonical.lastIndexOf("\n") + 1)), withoutSubject);
    assert.equal(sign({ ...fields, subject: "" }, key), withoutSubject);
    assert.ok(canonicalString({ ...fields, subject: "" }).endsWith(`${fields.bodyDigest}\n`), "an absent subject leaves the last line empty");
  });

  it("gives a shell command deriving the key from the secret, then signing the same canonical string", () => {
    const shell = blocks[3]!.text;
    const [derivation, canonical] = [...shell.matchAll(/printf '([^']*)'/g)].map((m) => m[1]!.replaceAll("\\n", "\n"));
    assert.equal(derivation, `wallet-internal-v1 key for ${input("audience")}`);
    assert.equal(/-hmac '([^']*)'/.exec(shell)?.[1], input("secret"));
    assert.equal(canonical, documentedCanonical);
    assert.match(shell, /-hmac "\$key"/);
  });

  it("names the digest streaming calls send", () => {
    assert.match(section, new RegExp(EMPTY_BODY_DIGEST));
  });
});

describe("the documented example sent to the real server interceptor", () => {
  const redis = useTestRedis();
  const seen: Array<InternalCaller | undefined> = [];
  let client: ReturnType<typeof createClient<typeof LedgerService>>;
  const skewMs = 30_000;
  let clock = Number(fields.timestamp);

  before(async () => {
    const { redis: connection, prefix } = await redis();
    const transport = createRouterTransport(
      (router) =>
        router.service(LedgerService, {
          getBalance: (_req, ctx) => {
            seen.push(ctx.values.get(internalCallerKey));
            return create(GetBalanceResponseSchema);
          },
        }),
      {
        router: {
          interceptors: [
            createInternalAuthServerInterceptor({
              callerKeys: receiverKeys({ [fields.caller]: { [fields.keyId]: input("secret") } }, input("audience")),
              allowedCallers: [fields.caller],
              nonceStore: createRedisNonceStore(connection, { prefix }),
              maxSkewMs: skewMs,
              now: () => clock,
            }),
          ],
        },
      },
    );
    client = createClient(LedgerService, transport);
  });

  const call = () => client.getBalance(fromBinary(GetBalanceRequestSchema, body), { headers: Object.fromEntries(headers) });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail("the call was accepted"),
      (err: unknown) => ConnectError.from(err).code,
    );

  it("refuses it outside the clock skew, without burning the nonce", async () => {
    clock = Number(fields.timestamp) + skewMs + 1;
    assert.equal(await refusal(call()), Code.Unauthenticated);
    clock = Number(fields.timestamp) - skewMs - 1;
    assert.equal(await refusal(call()), Code.Unauthenticated);
  });

  it("accepts it once within the skew, as the documented caller and subject", async () => {
    clock = Number(fields.timestamp) + skewMs;
    await call();
    assert.deepEqual(seen, [{ callerId: fields.caller, subject: fields.subject, mode: "hmac", keyId: fields.keyId }]);
  });

  it("refuses the same nonce again", async () => {
    assert.equal(await refusal(call()), Code.Unauthenticated);
    assert.equal(seen.length, 1);
  });
});
