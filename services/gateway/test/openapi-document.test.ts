import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { FastifyInstance } from "fastify";
import { http } from "#gen/google/api/annotations_pb.js";
import { access, ApprovalPolicy } from "#gen/wallet/authz/v1/authz_pb.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { RoleSchema, type Role } from "#gen/wallet/identity/v1/user_pb.js";
import { createAccessTestService } from "#platform/authz/testing/index.js";
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
  description: string;
  parameters: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
  "x-required-roles"?: string[];
  "x-recent-second-factor"?: boolean;
  "x-approval"?: string;
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

/** The operation of `operationId`. */
function operation(doc: Doc, operationId: string): Operation {
  const found = operations(doc).find(({ op }) => op.operationId === operationId);
  assert.ok(found, `no operation ${operationId}`);
  return found.op;
}

/** A role as the access token's `roles` claim spells it (ROLE_RISK_ANALYST → risk_analyst), read off the contract's enum. */
const claimName = (role: Role) => RoleSchema.value[role]!.name.replace(/^ROLE_/, "").toLowerCase();

/** Every annotated backoffice RPC with its operation id. */
const backofficeOperations = BackofficeService.methods.filter((method) => hasOption(method, http)).map((method) => ({ method, operationId: `BackofficeService_${method.name}` }));

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
  test("shows on every backoffice operation the roles, step-up and approval its RPC's access option declares", () => {
    assert.ok(backofficeOperations.length > 0);
    for (const { method, operationId } of backofficeOperations) {
      assert.ok(hasOption(method, access), `${method.name} declares wallet.authz.v1.access`);
      const option = getOption(method, access);
      const op = operation(doc, operationId);
      assert.deepEqual(op["x-required-roles"], option.allowedRoles.map(claimName), operationId);
      assert.equal(op["x-recent-second-factor"], option.recentSecondFactor ? true : undefined, operationId);
      const approval = { [ApprovalPolicy.UNSPECIFIED]: undefined, [ApprovalPolicy.ALWAYS]: "always", [ApprovalPolicy.ABOVE_THRESHOLD]: "above-threshold" }[option.approval];
      assert.equal(op["x-approval"], approval, operationId);
    }
  });

  test("names the allowed roles in the description of every backoffice operation", () => {
    for (const { method, operationId } of backofficeOperations) {
      const roles = getOption(method, access).allowedRoles.map(claimName).join(", ");
      assert.ok(operation(doc, operationId).description.includes(` Roles: ${roles}.`), `${operationId}: ${operation(doc, operationId).description}`);
    }
  });

  test("describes step-up and approval in words after the roles", () => {
    assert.equal(
      operation(doc, "BackofficeService_UnfreezeAccount").description,
      "Calls `wallet.backoffice.v1.BackofficeService/UnfreezeAccount`. Roles: risk_analyst, admin. Needs a recent second factor (step-up). Waits for a second staff member's approval.",
    );
    assert.match(operation(doc, "BackofficeService_IssueRefund").description, /Roles: finance\. Needs a recent second factor \(step-up\)\. Above the approval threshold, waits for a second staff member's approval\.$/);
    assert.match(operation(doc, "BackofficeService_GetUser").description, /Roles: support, risk_analyst, admin\.$/);
  });

  test("shows no access policy on operations of RPCs that declare none", () => {
    const bff = operations(doc).filter(({ op }) => op.operationId.startsWith("MobileBffService_"));
    assert.ok(bff.length > 0);
    for (const { op } of bff) {
      assert.equal(op["x-required-roles"], undefined, op.operationId);
      assert.doesNotMatch(op.description, /Roles:/, op.operationId);
    }
  });
});

describe("GET /openapi.json of an RPC whose access option allows no role", () => {
  test("shows an empty x-required-roles and says the operation is refused for everyone", async () => {
    const service = createAccessTestService({ Nobody: {}, Anybody: undefined });
    const { app } = await createTestEdge({ services: [service] });
    try {
      const doc: Doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
      const nobody = operation(doc, "AccessTestService_Nobody");
      assert.deepEqual(nobody["x-required-roles"], []);
      assert.equal(nobody["x-recent-second-factor"], undefined);
      assert.equal(nobody["x-approval"], undefined);
      assert.match(nobody.description, / Roles: none \(refused for everyone\)\.$/);
      assert.equal(operation(doc, "AccessTestService_Anybody")["x-required-roles"], undefined);
    } finally {
      await app.close();
    }
  });
});
