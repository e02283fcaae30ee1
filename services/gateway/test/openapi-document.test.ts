import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { FastifyInstance } from "fastify";
import { http } from "#gen/google/api/annotations_pb.js";
import { exposedServices } from "../src/rest/exposed-services.js";
import { createTestEdge } from "./rest-fixtures.js";

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> };
  security: unknown[];
};
type Operation = {
  operationId: string;
  parameters: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
};

const httpMethods = ["get", "put", "post", "delete", "patch"];

/** Every operation of the document, with its path and method. */
function operations(doc: Doc): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** Every `$ref` string anywhere in a value. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe("GET /openapi.json", () => {
  let app: FastifyInstance;
  let doc: Doc;

  before(async () => {
    ({ app } = await createTestEdge());
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    doc = res.json();
  });
  after(async () => {
    await app.close();
  });

  test("is an OpenAPI 3.1 document with info, paths, schemas and a bearer security scheme", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.info.title && doc.info.version);
    assert.ok(Object.keys(doc.paths).length > 0);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "An access token from identity (Login, RefreshTokens).",
    });
    assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
  });

  test("has an operation for every annotated RPC of the exposed services, additional bindings included", () => {
    const expected: string[] = [];
    for (const service of exposedServices) {
      for (const method of service.methods) {
        if (!hasOption(method, http)) continue;
        const rule = getOption(method, http);
        expected.push(`${service.name}_${method.name}`);
        rule.additionalBindings.forEach((_, i) => expected.push(`${service.name}_${method.name}_${i + 1}`));
      }
    }
    const ids = operations(doc).map((o) => o.op.operationId);
    assert.deepEqual([...ids].sort(), [...expected].sort());
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    assert.ok(ids.includes("IdentityService_GetJwks_1"));
    assert.ok(doc.paths["/.well-known/jwks.json"]?.get);
  });

  test("every $ref points at a component that exists", () => {
    for (const ref of refsIn(doc)) {
      const match = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref);
      assert.ok(match, `unexpected ref ${ref}`);
      const section = doc.components[match[1] as "schemas" | "responses"];
      assert.ok(section[match[2]!], `missing component ${ref}`);
    }
  });

  test("declares each path template variable as a required path parameter", () => {
    for (const { path, op } of operations(doc)) {
      const variables = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = op.parameters.filter((p) => p.in === "path");
      assert.deepEqual(declared.map((p) => p.name).sort(), variables, `${op.operationId}`);
      assert.ok(declared.every((p) => p.required === true), `${op.operationId}`);
    }
  });

  test("offers the remaining request fields of a GET as typed query parameters", () => {
    const op = doc.paths["/v1/accounts/{account_id}/statement"]!.get!;
    const query = Object.fromEntries(op.parameters.filter((p) => p.in === "query").map((p) => [p.name, p.schema]));
    assert.deepEqual(query["page.page_size"], { type: "integer", format: "int32" });
    assert.deepEqual(query["page.page_token"], { type: "string" });
    assert.deepEqual(query["time_range.start_time"], { type: "string", format: "date-time" });
    assert.equal(query.account_id, undefined);
  });

  test("describes request bodies and responses with component schemas in the protobuf JSON mapping", () => {
    const op = doc.paths["/v1/transfers"]!.post!;
    assert.deepEqual(op.requestBody?.content["application/json"]?.schema, { $ref: "#/components/schemas/wallet.bff.v1.TransferRequest" });
    assert.deepEqual(op.responses["200"]?.content?.["application/json"]?.schema, { $ref: "#/components/schemas/wallet.bff.v1.TransferResponse" });
    const money = doc.components.schemas["wallet.common.v1.Money"] as { properties: Record<string, unknown> };
    assert.deepEqual(money.properties.amountMinor, { type: "string", format: "int64", pattern: "^-?[0-9]+$" });
    const idempotency = op.parameters.find((p) => p.name === "Idempotency-Key");
    assert.equal(idempotency?.in, "header");
  });

  test("lists the Idempotent-Replayed response header on exactly the operations that take an Idempotency-Key", () => {
    const keyed = operations(doc).filter(({ op }) => op.parameters.some((p) => p.name === "Idempotency-Key"));
    assert.ok(keyed.some(({ op }) => op.operationId === doc.paths["/v1/transfers"]!.post!.operationId));
    for (const { op } of operations(doc)) {
      const header = op.responses["200"]?.headers?.["Idempotent-Replayed"];
      if (keyed.some((k) => k.op === op)) assert.deepEqual(header?.schema, { type: "string", enum: ["true"] }, op.operationId);
      else assert.equal(header, undefined, op.operationId);
    }
  });

  test("describes maps, repeated fields and enums", () => {
    const bootstrap = doc.components.schemas["wallet.bff.v1.BootstrapResponse"] as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(bootstrap.properties.featureFlags, { type: "object", additionalProperties: { type: "boolean" } });
    assert.deepEqual(bootstrap.properties.accounts, { type: "array", items: { $ref: "#/components/schemas/wallet.bff.v1.Account" } });
    const channel = doc.components.schemas["wallet.notification.v1.Channel"] as { type: string; enum: string[] };
    assert.equal(channel.type, "string");
    assert.ok(channel.enum.includes("CHANNEL_EMAIL"));
  });

  test("answers errors with problem+json on every operation", () => {
    const problem = doc.components.responses.Problem as { content: Record<string, unknown> };
    assert.ok(problem.content["application/problem+json"]);
    for (const { op } of operations(doc)) {
      for (const status of ["400", "401", "403", "404", "409", "422", "429", "500", "503", "504"]) {
        assert.equal(op.responses[status]?.$ref, "#/components/responses/Problem", `${op.operationId} ${status}`);
      }
    }
  });

  test("lifts the bearer requirement on public routes only", () => {
    assert.deepEqual(doc.paths["/v1/identity/login"]!.post!.security, []);
    assert.deepEqual(doc.paths["/v1/identity/sign-up"]!.post!.security, []);
    assert.equal(doc.paths["/v1/accounts/{account_id}/balance"]!.get!.security, undefined);
    assert.equal(doc.paths["/v1/admin/users"]!.get!.security, undefined);
  });
});
