import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { HealthState } from "./health-state.js";

/**
 * The Connect implementation of grpc.health.v1.Health over a HealthState:
 * Check answers the current status (NotFound for an unknown service), Watch
 * streams changes until the client goes away or the process shuts down, and
 * List returns a snapshot of every service.
 */
export function createHealthService(state: HealthState): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = state.getStatus(req.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      }
      return create(HealthCheckResponseSchema, { status });
    },
    async *watch(req, ctx) {
      for await (const status of state.watch(req.service, ctx.signal)) {
        yield create(HealthCheckResponseSchema, { status });
      }
    },
    list() {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [service, status] of state.statuses()) {
        statuses[service] = create(HealthCheckResponseSchema, { status });
      }
      return create(HealthListResponseSchema, { statuses });
    },
  };
}
