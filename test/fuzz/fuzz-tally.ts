/** What a fuzz run counts while it runs: answers by status, code and reason, operations reached, and findings. */
import type { CredentialVariant } from "./forwarded-headers.js";
import type { FuzzRequest } from "./openapi-requests.js";

/** A gRPC call as a finding records it: enough to see what was sent. */
export interface GrpcFuzzRecord {
  readonly rpc: string;
  readonly caller: string;
  readonly credential: CredentialVariant;
  readonly message: unknown;
}

/** A request that got a wrong answer, with what is needed to send it again. */
export interface FuzzFinding {
  /** The request's index (`--only` replays it); gRPC calls are numbered on from `runs`. */
  readonly index: number;
  readonly problem: string;
  readonly request: FuzzRequest | GrpcFuzzRecord;
  readonly status: number | string;
  readonly body: string;
}

/** One line naming a finding: its index, what was sent and what was wrong. */
export function describeFinding(finding: FuzzFinding): string {
  const what =
    "rpc" in finding.request
      ? `${finding.request.rpc} as ${finding.request.caller} (${finding.request.credential})`
      : `${finding.request.method} ${finding.request.target.slice(0, 120)}`;
  return `#${finding.index} ${what}: ${finding.problem}`;
}

export interface FuzzTally {
  /** Edge answers by HTTP status. */
  readonly statuses: Record<string, number>;
  /** The problems' `reason` members: which checks the requests ran into. */
  readonly reasons: Record<string, number>;
  /** gRPC answers by code name. */
  readonly grpcCodes: Record<string, number>;
  /** gRPC answers by code name, per service: whether calls get past the user checks to the handlers. */
  readonly grpcCodesByService: Record<string, Record<string, number>>;
  /** gRPC refusals by their ErrorInfo reason: which checks the calls ran into. */
  readonly grpcReasons: Record<string, number>;
  readonly operations: Set<string>;
  readonly findings: FuzzFinding[];
}

export const createTally = (): FuzzTally => ({ statuses: {}, reasons: {}, grpcCodes: {}, grpcCodesByService: {}, grpcReasons: {}, operations: new Set(), findings: [] });

/** Adds one to `counts[key]`. */
export function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
