/**
 * A service built in memory whose RPCs carry whatever `wallet.authz.v1.access`
 * option a test needs (none, no roles, an undefined role number), for tests
 * of code that reads the option: the real contracts only hold sensible ones.
 */
import { create, createFileRegistry, setExtension, type DescFile, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { file_google_protobuf_empty, FileDescriptorProtoSchema, MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { file_google_api_annotations, http } from "../../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../../gen/google/api/http_pb.js";
import { access, AccessPolicySchema, file_wallet_authz_v1_authz } from "../../../gen/wallet/authz/v1/authz_pb.js";

/** The test service's full name. */
export const ACCESS_TEST_SERVICE = "test.authz.v1.AccessTestService";

/**
 * `AccessTestService` with one RPC per entry of `methods` (name → its access
 * option, or undefined for an RPC without one). Each takes and answers
 * google.protobuf.Empty and is bound to `GET /v1/access-test/<name>`, so a
 * REST edge given the service routes and documents it.
 */
export function createAccessTestService(methods: Record<string, MessageInitShape<typeof AccessPolicySchema> | undefined>): DescService {
  const deps: DescFile[] = [file_google_protobuf_empty, file_google_api_annotations, file_wallet_authz_v1_authz];
  const file = create(FileDescriptorProtoSchema, {
    name: "test/authz/v1/access_test.proto",
    package: "test.authz.v1",
    syntax: "proto3",
    dependency: deps.map((dep) => dep.proto.name),
    service: [
      {
        name: "AccessTestService",
        method: Object.entries(methods).map(([name, policy]) => {
          const options = create(MethodOptionsSchema);
          setExtension(options, http, create(HttpRuleSchema, { pattern: { case: "get", value: `/v1/access-test/${name.toLowerCase()}` } }));
          if (policy) setExtension(options, access, create(AccessPolicySchema, policy));
          return { name, inputType: ".google.protobuf.Empty", outputType: ".google.protobuf.Empty", options };
        }),
      },
    ],
  });
  const registry = createFileRegistry(file, (name) => deps.find((dep) => dep.proto.name === name));
  const service = registry.getService(ACCESS_TEST_SERVICE);
  if (!service) throw new Error(`${ACCESS_TEST_SERVICE} was not built`);
  return service;
}
