/**
 * The call graph as the services enforce it: every RPC of every service,
 * called by every caller of the catalogue, the external callers and a
 * made-up one, through the real interceptor (after a verified caller, as
 * internal auth leaves it). Exactly the declared callers reach the handler;
 * everyone else is refused with PermissionDenied naming who may call.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { AuditLogService } from "../../../gen/wallet/backoffice/v1/audit_log_service_pb.js";
import { BackofficeService } from "../../../gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "../../../gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "../../../gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "../../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { NotificationService } from "../../../gen/wallet/notification/v1/notification_service_pb.js";
import { RiskService } from "../../../gen/wallet/risk/v1/risk_service_pb.js";
import { Health, HealthCheckRequestSchema } from "../../../gen/grpc/health/v1/health_pb.js";
import { collectBindings } from "../../../services/gateway/src/rest/bindings.js";
import { exposedServices } from "../../../services/gateway/src/rest/exposed-services.js";
import { callersOf, createCallGraphInterceptor, type CallGraph } from "../../internal-auth/index.js";
import { asVerifiedCaller } from "../../internal-auth/testing/index.js";
import { callersOfProcess, callGraph, externalCallers, servedServices } from "../call-graph.js";
import { processes } from "../catalogue.js";

const services: readonly DescService[] = [IdentityService, LedgerService, RiskService, NotificationService, MobileBffService, BackofficeService, AuditLogService];
const graph: CallGraph = callGraph;
const UNKNOWN = "intruder-not-a-service";
const callers = [...new Set([...processes.map((p) => p.service), ...Object.values(externalCallers)]), UNKNOWN];

/** Calls one RPC as `caller` on a service whose every handler is unimplemented: Unimplemented means the graph let it through. */
async function outcome(service: DescService, methodName: string, caller: string | undefined): Promise<ConnectError> {
  const transport = createRouterTransport((router) => router.service(service, {}), {
    router: { interceptors: [asVerifiedCaller(caller), createCallGraphInterceptor({ graph })] },
  });
  const client = createClient(service, transport) as unknown as Record<string, (req: object) => Promise<unknown>>;
  const method = service.methods.find((m) => m.name === methodName)!;
  return client[method.localName]!({}).then(
    () => assert.fail(`${methodName} answered`),
    (err: unknown) => ConnectError.from(err),
  );
}

describe("every RPC of every service, called by every caller", () => {
  for (const service of services) {
    test(`${service.typeName}: exactly the declared callers get through, others are refused with PermissionDenied`, async () => {
      for (const method of service.methods) {
        assert.equal(method.methodKind, "unary", `${method.name}: the walk calls unary RPCs`);
        const allowed = callersOf(graph, service.typeName, method.name);
        for (const caller of callers) {
          const err = await outcome(service, method.name, caller);
          if (allowed.includes(caller)) {
            assert.equal(err.code, Code.Unimplemented, `${caller} → ${method.name} is declared, so it reaches the handler`);
          } else {
            assert.equal(err.code, Code.PermissionDenied, `${caller} → ${method.name} is not declared`);
            assert.equal(err.rawMessage, allowed.length > 0 ? `${method.name} is open only to ${allowed.join(", ")}` : `${method.name} is open to no caller`);
          }
        }
        assert.equal((await outcome(service, method.name, undefined)).code, Code.PermissionDenied, `${method.name} without a verified caller`);
      }
    });
  }
});

test("the graph names only real services, RPCs and callers, and every service a process serves", () => {
  const known = new Map(services.map((s) => [s.typeName, s]));
  for (const [typeName, methods] of Object.entries(graph)) {
    const service = known.get(typeName);
    assert.ok(service, `${typeName} is a service of the protos`);
    for (const [method, allowed] of Object.entries(methods)) {
      assert.ok(service.methods.some((m) => m.name === method), `${typeName}/${method} exists`);
      for (const caller of allowed) assert.ok(callers.includes(caller) && caller !== UNKNOWN, `${caller} is a caller of the mesh`);
    }
  }
  assert.deepEqual(Object.values(servedServices).flat().sort(), services.map((s) => s.typeName).sort());
});

test("the edge is allowed exactly the RPCs it has REST bindings for", () => {
  const bound = new Set(collectBindings(exposedServices).map((b) => `${b.service.typeName}/${b.method.name}`));
  const allowedToEdge = new Set(services.flatMap((s) => s.methods.filter((m) => callersOf(graph, s.typeName, m.name).includes("gateway")).map((m) => `${s.typeName}/${m.name}`)));
  assert.deepEqual([...allowedToEdge].sort(), [...bound].sort());
});

test("a process accepts by default the callers the graph lets call it, and none when it serves no RPC", () => {
  assert.deepEqual(callersOfProcess("ledger"), ["backoffice", "mobile-bff", "payments"]);
  assert.deepEqual(callersOfProcess("risk"), ["backoffice", "ledger"]);
  assert.deepEqual(callersOfProcess("mobile-bff"), ["gateway"]);
  assert.deepEqual(callersOfProcess("gateway"), []);
});

test("health stays open to anyone, verified or not", async () => {
  const transport = createRouterTransport((router) => router.service(Health, { check: () => ({ status: 1 }) }), {
    router: { interceptors: [asVerifiedCaller(undefined), createCallGraphInterceptor({ graph })] },
  });
  const response = await createClient(Health, transport).check(create(HealthCheckRequestSchema));
  assert.equal(response.status, 1);
});
