import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create, createFileRegistry, fromBinary, type DescService, type Message } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { FastifyInstance } from "fastify";
import { exposedServices } from "../src/rest/exposed-services.js";
import { createFakeUpstream, createTestEdge, onlyCall } from "./rest-fixtures.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const run = promisify(execFile);

/** A service the edge has never heard of, written as any team would write a new contract. */
const widgetProto = `syntax = "proto3";
package test.widgets.v1;
import "google/api/annotations.proto";
import "google/protobuf/timestamp.proto";

service WidgetService {
  rpc GetWidget(GetWidgetRequest) returns (GetWidgetResponse) {
    option (google.api.http) = {
      get: "/v1/shelves/{shelf.id}/widgets/{widget_id}"
      response_body: "widget"
    };
  }
  rpc PolishWidget(PolishWidgetRequest) returns (PolishWidgetResponse) {
    option (google.api.http) = {
      post: "/v1/widgets/{widget_id}:polish"
      body: "options"
    };
  }
}
enum Finish {
  FINISH_UNSPECIFIED = 0;
  FINISH_MATTE = 1;
  FINISH_GLOSS = 2;
}
message Shelf { string id = 1; }
message GetWidgetRequest {
  Shelf shelf = 1;
  string widget_id = 2;
  repeated string tags = 3;
  int64 min_weight = 4;
  bool include_history = 5;
  Finish finish = 6;
}
message Widget {
  string id = 1;
  int64 weight = 2;
  google.protobuf.Timestamp made_at = 3;
}
message GetWidgetResponse { Widget widget = 1; }
message PolishOptions { int32 passes = 1; }
message PolishWidgetRequest {
  string widget_id = 1;
  PolishOptions options = 2;
  string note = 3;
}
message PolishWidgetResponse { string widget_id = 1; }
`;

/** Compiles the proto with buf (the repository's own binary) and returns its service descriptor. */
async function compileWidgetService(dir: string): Promise<DescService> {
  await mkdir(path.join(dir, "local/test/widgets/v1"), { recursive: true });
  await mkdir(path.join(dir, "vendor/google/api"), { recursive: true });
  for (const name of ["annotations.proto", "http.proto"]) {
    await copyFile(path.join(repoRoot, "proto/third_party/google/api", name), path.join(dir, "vendor/google/api", name));
  }
  await writeFile(path.join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: local\n  - path: vendor\n");
  await writeFile(path.join(dir, "local/test/widgets/v1/widget_service.proto"), widgetProto);
  const { stdout } = await run(path.join(repoRoot, "node_modules/.bin/buf"), ["build", "-o", "-#format=binpb"], {
    cwd: dir,
    encoding: "buffer",
    maxBuffer: 16 * 1024 * 1024,
  });
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, new Uint8Array(stdout)));
  const service = registry.getService("test.widgets.v1.WidgetService");
  assert.ok(service, "the compiled set holds WidgetService");
  return service;
}

describe("a new annotated RPC needs no edge code change", () => {
  let dir: string;
  let widgets: DescService;
  let app: FastifyInstance;
  let upstream: ReturnType<typeof createFakeUpstream>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "edge-new-rpc-"));
    widgets = await compileWidgetService(dir);
    ({ app, upstream } = await createTestEdge({ services: [...exposedServices, widgets] }));
  });
  after(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a GET annotation becomes a route binding nested path variables and typed query parameters", async () => {
    const method = widgets.methods.find((m) => m.name === "GetWidget")!;
    upstream.answer = () => create(method.output, { widget: { id: "w-1", weight: 12n } } as never);
    const res = await app.inject({
      method: "GET",
      url: "/v1/shelves/s-9/widgets/w-1?tags=red&tags=round&min_weight=10&includeHistory=true&finish=FINISH_GLOSS",
    });
    assert.equal(res.statusCode, 200, res.body);
    const call = onlyCall(upstream);
    assert.equal(call.service.typeName, "test.widgets.v1.WidgetService");
    assert.equal(call.method.name, "GetWidget");
    const request = call.request as Message & Record<string, unknown>;
    assert.deepEqual(request.shelf && { id: (request.shelf as { id: string }).id }, { id: "s-9" });
    assert.equal(request.widgetId, "w-1");
    assert.deepEqual(request.tags, ["red", "round"]);
    assert.equal(request.minWeight, 10n);
    assert.equal(request.includeHistory, true);
    assert.equal(request.finish, 2);
    // response_body: "widget" sends the field, not the whole response.
    assert.deepEqual(res.json(), { id: "w-1", weight: "12" });
  });

  test("a POST annotation with a verb and a named body field becomes a route", async () => {
    upstream.calls.length = 0;
    upstream.answer = undefined;
    const res = await app.inject({ method: "POST", url: "/v1/widgets/w-2:polish?note=shiny", payload: { passes: 3 } });
    assert.equal(res.statusCode, 200, res.body);
    const request = onlyCall(upstream).request as Message & Record<string, unknown>;
    assert.equal(request.widgetId, "w-2");
    assert.equal((request.options as { passes: number }).passes, 3);
    assert.equal(request.note, "shiny");
  });

  test("the new RPCs appear in /openapi.json with their parameters and schemas", async () => {
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    const get = doc.paths["/v1/shelves/{shelf.id}/widgets/{widget_id}"]?.get;
    assert.equal(get?.operationId, "WidgetService_GetWidget");
    const names = get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    assert.deepEqual(names.sort(), ["path:shelf.id", "path:widget_id", "query:finish", "query:include_history", "query:min_weight", "query:tags"].sort());
    assert.deepEqual(get.responses["200"].content["application/json"].schema, { $ref: "#/components/schemas/test.widgets.v1.Widget" });
    const widget = doc.components.schemas["test.widgets.v1.Widget"];
    assert.deepEqual(widget.properties.weight, { type: "string", format: "int64", pattern: "^-?[0-9]+$" });
    assert.deepEqual(widget.properties.madeAt, { type: "string", format: "date-time" });
    assert.deepEqual(doc.components.schemas["test.widgets.v1.Finish"], { type: "string", enum: ["FINISH_UNSPECIFIED", "FINISH_MATTE", "FINISH_GLOSS"] });
    const polish = doc.paths["/v1/widgets/{widget_id}:polish"]?.post;
    assert.equal(polish?.operationId, "WidgetService_PolishWidget");
    assert.deepEqual(polish.requestBody.content["application/json"].schema, { $ref: "#/components/schemas/test.widgets.v1.PolishOptions" });
  });
});
