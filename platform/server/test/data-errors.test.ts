/**
 * PostgreSQL data exceptions (SQLSTATE class 22) a handler lets through are
 * the request's fault: a real server answers InvalidArgument, never
 * Internal, and no SQL reaches the client.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { sql } from "kysely";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { createSilentLogger } from "../../logging/index.js";
import { useResource, useTestDatabase } from "../../testing/index.js";
import { startService } from "../index.js";
import { SleepRequestSchema, SleepResponseSchema, SlowService } from "./fixtures/slow-service.js";

const database = useTestDatabase();

/** What Fail runs, by `millis`: the statements a careless handler could send. */
const statements: Record<number, () => ReturnType<typeof sql>> = {
  1: () => sql`select ${"name\u0000"}::text`, // 22021 character_not_in_repertoire
  2: () => sql`select ${"not a number"}::int4`, // 22P02 invalid_text_representation
  3: () => sql`select ${"99999999999"}::int4`, // 22003 numeric_value_out_of_range
  4: () => sql`select * from no_such_table`, // 42P01: not the request's fault
};

const server = useResource(
  async () => {
    const { db } = await database();
    return startService({
      name: "data-errors-test",
      host: "127.0.0.1",
      grpcPort: 0,
      adminPort: 0,
      logger: createSilentLogger(),
      routes: (router) =>
        router.rpc(SlowService.method.fail as DescMethodUnary, async (req) => {
          await statements[(req as unknown as { millis: number }).millis]!().execute(db);
          return create(SleepResponseSchema);
        }),
    });
  },
  (s) => s.shutdown(),
);

type FailClient = { fail(request: unknown): Promise<unknown> };

async function answer(millis: number): Promise<ConnectError> {
  const client = createClient(SlowService, createGrpcTransport({ baseUrl: (await server()).url })) as unknown as FailClient;
  try {
    await client.fail(create(SleepRequestSchema, { millis }));
  } catch (err) {
    assert.ok(err instanceof ConnectError);
    return err;
  }
  throw new Error("expected the call to fail");
}

test("a NUL PostgreSQL refuses (22021) answers InvalidArgument INVALID_TEXT, with no SQL in the answer", async () => {
  const err = await answer(1);
  assert.equal(err.code, Code.InvalidArgument);
  assert.equal(err.rawMessage, "a value in the request cannot be stored");
  const info = err.findDetails(ErrorInfoSchema)[0];
  assert.equal(info?.reason, "INVALID_TEXT");
  assert.equal(info?.domain, "wallet.platform");
  assert.doesNotMatch(JSON.stringify({ message: err.message, info }), /select|0x00|UTF8|22021/i);
});

test("other data exceptions (22P02, 22003) answer InvalidArgument INVALID_VALUE", async () => {
  for (const millis of [2, 3]) {
    const err = await answer(millis);
    assert.equal(err.code, Code.InvalidArgument, `statement ${millis}`);
    assert.equal(err.findDetails(ErrorInfoSchema)[0]?.reason, "INVALID_VALUE");
  }
});

test("a database error of another class stays a bare Internal", async () => {
  const err = await answer(4);
  assert.equal(err.code, Code.Internal);
  assert.equal(err.rawMessage, "internal error");
});
