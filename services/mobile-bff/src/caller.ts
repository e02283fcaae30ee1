/** The end user behind a request, as the edge vouched for them. */
export interface Caller {
  /** The verified subject from the signed `x-internal-subject` header. */
  readonly userId: string;
  /** The user's `authorization: Bearer …` header, forwarded to identity's self-service RPCs; "" when absent. */
  readonly authorization: string;
  /** The client's address as seen by the edge (`x-client-ip`); "" when unknown. */
  readonly clientIp: string;
  /** The client's user agent as seen by the edge (`x-client-user-agent`); "" when unknown. */
  readonly userAgent: string;
}

/** Facts of the caller's verified access token, for the ledger's risk context. */
export interface TokenFacts {
  readonly sessionId: string;
  readonly deviceId: string;
  /** `auth_time` when `amr` names a second factor; undefined otherwise. */
  readonly secondFactorAt?: Date;
}

/** Per-call options for upstream calls on behalf of the request's user (deadline, headers, cancellation). */
export type UpstreamCall = (extra?: { withBearer?: boolean; onHeader?: (headers: Headers) => void }) => import("@connectrpc/connect").CallOptions;
