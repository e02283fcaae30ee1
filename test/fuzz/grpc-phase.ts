/**
 * The fuzz run's gRPC phase: each generated call sent straight at the
 * process serving its service, signed as a caller the call graph allows for
 * the RPC and carrying the end user that caller forwards (forwarded-headers.ts),
 * judged for server failures and leaked internals.
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { BackofficeService } from "../../gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "../../gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "../../gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { NotificationService } from "../../gen/wallet/notification/v1/notification_service_pb.js";
import { RiskService } from "../../gen/wallet/risk/v1/risk_service_pb.js";
import { errorInfoOf } from "../../platform/clients/index.js";
import { callGraph, servedServices } from "../../platform/mesh/call-graph.js";
import { processByName } from "../../platform/mesh/catalogue.js";
import type { StartedMesh } from "../mesh/start-mesh.js";
import { credentialVariants, forwardedHeaders, type CredentialVariant, type UserKind } from "./forwarded-headers.js";
import type { FuzzSession } from "./fuzz-sessions.js";
import { count, type FuzzTally, type GrpcFuzzRecord } from "./fuzz-tally.js";
import { grpcCalls, type GrpcFuzzCall } from "./grpc-requests.js";
import { leakIn } from "./judge-answer.js";

/** Every service the gRPC phase calls, each served by one process of the catalogue. */
const FUZZED_SERVICES: readonly DescService[] = [IdentityService, LedgerService, RiskService, NotificationService, MobileBffService, BackofficeService];

/** Codes no request, however hostile, may get: the server failed rather than refused. */
const SERVER_FAILURES = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);

/** How the BFF and the backoffice say the forwarded token's session was ended (by a fuzzed logout or revocation). */
const SESSION_ENDED = /session of this access token has ended/;

/** One call of the phase: the RPC and its message, and how its user headers depart from the real caller's. */
export interface GrpcPhaseCall extends GrpcFuzzCall {
  readonly credential: CredentialVariant;
}

/** The phase's calls: every unary RPC of every fuzzed service, each with a credential variant. */
export const grpcPhaseCalls = (): fc.Arbitrary<GrpcPhaseCall> =>
  fc.tuple(grpcCalls(FUZZED_SERVICES), credentialVariants).map(([call, credential]) => ({ ...call, credential }));

/** The caller a call to `service`'s `method` is signed as: the first the call graph allows; undefined when none may call it. */
const callerOf = (service: DescService, method: string): string | undefined => (callGraph as Record<string, Record<string, readonly string[]>>)[service.typeName]?.[method]?.[0];

/** A call as findings and replays show it (the caller is the call graph's first for the RPC). */
export function grpcRecord({ service, method, request, credential }: GrpcPhaseCall): GrpcFuzzRecord {
  return { rpc: `${service.typeName}/${method.name}`, caller: callerOf(service, method.name) ?? "(none)", credential, message: request };
}

/** Sends calls at `mesh`'s services as the sessions' users, counting into `tally`. */
export function createGrpcSender(mesh: StartedMesh, sessions: Readonly<Record<UserKind, FuzzSession>>, tally: FuzzTally): (index: number, call: GrpcPhaseCall) => Promise<void> {
  const transports = new Map<string, Transport>();
  const transportFor = (service: DescService, caller: string) => {
    const owner = (Object.entries(servedServices) as Array<[string, readonly string[]]>).find(([, served]) => served.includes(service.typeName))![0];
    const key = `${owner}/${caller}`;
    let transport = transports.get(key);
    if (!transport) {
      // Connect JSON over HTTP/1.1, so a lone surrogate arrives as sent.
      transport = createConnectTransport({
        baseUrl: `http://127.0.0.1:${processByName(owner).grpcPort! + mesh.offset}`,
        httpVersion: "1.1",
        useBinaryFormat: false,
        defaultTimeoutMs: 30_000,
        interceptors: [mesh.signer(caller)],
      });
      transports.set(key, transport);
    }
    return transport;
  };

  return async (index, call) => {
    const { service, method, request, credential } = call;
    const caller = callerOf(service, method.name);
    // An RPC nobody may call (deny by default) is drawn but not sent: every caller would get PermissionDenied.
    if (!caller) return count(tally.grpcCodes, "(not sent: no caller)");
    const users = {
      customer: { subject: sessions.customer.userId, token: await sessions.customer.token() },
      staff: { subject: sessions.staff.userId, token: await sessions.staff.token() },
    };
    const { headers, tokenOf } = forwardedHeaders(service.typeName, caller, credential, users);
    const client = createClient(service, transportFor(service, caller)) as unknown as Record<string, (m: unknown, options: { headers: Record<string, string> }) => Promise<unknown>>;
    let code = "OK";
    try {
      await client[method.localName]!(request, { headers });
    } catch (err) {
      const error = ConnectError.from(err);
      code = Code[error.code];
      const message = error.rawMessage;
      count(tally.grpcReasons, errorInfoOf(error)?.reason ?? "(none)");
      if (error.code === Code.Unauthenticated && tokenOf && SESSION_ENDED.test(message)) await sessions[tokenOf].renew();
      const leak = leakIn(message);
      const problem = SERVER_FAILURES.has(error.code) ? `answered ${code}` : leak ? `leaks internals: ${leak}` : undefined;
      if (problem) tally.findings.push({ index, problem, request: grpcRecord(call), status: code, body: message.slice(0, 500) });
    }
    count(tally.grpcCodes, code);
    count((tally.grpcCodesByService[service.name] ??= {}), code);
  };
}
