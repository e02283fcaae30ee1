import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createDescriptorIndex } from "./descriptor-index.js";
import { createReflectionServiceV1, createReflectionServiceV1alpha } from "./reflection-service.js";

/** The two reflection services, which reflection lists next to the others. */
export const reflectionServices: readonly DescService[] = [v1.ServerReflection, v1alpha.ServerReflection];

/**
 * Registers gRPC server reflection (v1 and v1alpha) on a router, describing
 * every service already registered on it plus the reflection services. Call
 * it last, after the service's own routes and health.
 */
export function registerReflection(router: ConnectRouter): void {
  const served = router.handlers.map((handler) => handler.service);
  const index = createDescriptorIndex([...served, ...reflectionServices]);
  router.service(v1.ServerReflection, createReflectionServiceV1(index));
  router.service(v1alpha.ServerReflection, createReflectionServiceV1alpha(index));
}
