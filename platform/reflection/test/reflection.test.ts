import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as protoLoader from "@grpc/proto-loader";
import type { RunningService } from "../../server/index.js";
import { fileDescriptorSet, grpcReflect } from "../../server/test/fixtures/grpc-js-clients.js";
import { startTestService } from "../../server/test/fixtures/test-service.js";

const expectedServices = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "test.slow.v1.SlowService",
];

describe("server reflection over grpc-js", () => {
  let service: RunningService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.shutdown());

  for (const version of ["v1", "v1alpha"] as const) {
    it(`lists the registered, health and reflection services (${version})`, async () => {
      const [res] = await grpcReflect(service.url, [{ list_services: "" }], version);
      assert.equal(res!.message_response, "list_services_response");
      const names = res!.list_services_response!.service.map((s) => s.name);
      assert.deepEqual(names, expectedServices);
    });

    it(`returns a decodable descriptor set with the methods for a service symbol (${version})`, async () => {
      const [res] = await grpcReflect(service.url, [{ file_containing_symbol: "test.slow.v1.SlowService" }], version);
      assert.equal(res!.message_response, "file_descriptor_response");
      const files = res!.file_descriptor_response!.file_descriptor_proto;
      const definition = protoLoader.loadFileDescriptorSetFromBuffer(fileDescriptorSet(files));
      const slow = definition["test.slow.v1.SlowService"] as Record<string, { path: string }>;
      assert.ok(slow, `service missing from ${Object.keys(definition).join(", ")}`);
      assert.equal(slow.Sleep!.path, "/test.slow.v1.SlowService/Sleep");
      assert.equal(slow.Fail!.path, "/test.slow.v1.SlowService/Fail");
    });
  }

  it("includes every transitive import with the file", async () => {
    const [res] = await grpcReflect(service.url, [{ file_containing_symbol: "test.slow.v1.SleepRequest" }]);
    const files = res!.file_descriptor_response!.file_descriptor_proto;
    const definition = protoLoader.loadFileDescriptorSetFromBuffer(fileDescriptorSet(files));
    // The file imports google/api/annotations.proto, which imports http.proto and descriptor.proto.
    assert.ok(definition["google.api.HttpRule"], "http.proto missing");
    assert.ok(definition["google.protobuf.MethodOptions"], "descriptor.proto missing");
  });

  it("finds a method symbol and a file by name", async () => {
    const responses = await grpcReflect(service.url, [
      { file_containing_symbol: "grpc.health.v1.Health.Check" },
      { file_by_filename: "grpc/health/v1/health.proto" },
    ]);
    for (const res of responses) {
      assert.equal(res.message_response, "file_descriptor_response");
      const definition = protoLoader.loadFileDescriptorSetFromBuffer(
        fileDescriptorSet(res.file_descriptor_response!.file_descriptor_proto),
      );
      assert.ok(definition["grpc.health.v1.Health"]);
    }
  });

  it("answers an unknown symbol with a NOT_FOUND error response and keeps the stream open", async () => {
    const responses = await grpcReflect(service.url, [
      { file_containing_symbol: "no.such.Thing" },
      { list_services: "" },
    ]);
    assert.equal(responses[0]!.message_response, "error_response");
    assert.equal(responses[0]!.error_response!.error_code, 5);
    assert.equal(responses[1]!.message_response, "list_services_response");
  });

  it("answers extension queries for the google.api.http option", async () => {
    const [numbers, file] = await grpcReflect(service.url, [
      { all_extension_numbers_of_type: "google.protobuf.MethodOptions" },
      { file_containing_extension: { containing_type: "google.protobuf.MethodOptions", extension_number: 72295728 } },
    ]);
    assert.equal(numbers!.message_response, "all_extension_numbers_response");
    assert.ok(numbers!.all_extension_numbers_response!.extension_number.includes(72295728));
    assert.equal(file!.message_response, "file_descriptor_response");
    const definition = protoLoader.loadFileDescriptorSetFromBuffer(
      fileDescriptorSet(file!.file_descriptor_response!.file_descriptor_proto),
    );
    assert.ok(definition["google.api.HttpRule"]);
  });
});
