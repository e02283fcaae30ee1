/**
 * The mesh's call graph: which caller may call which RPC, declared once. Every
 * service process refuses a call outside it with PermissionDenied
 * (`serveProcess` puts `createCallGraphInterceptor` after internal auth), its
 * default INTERNAL_AUTH_ALLOWED_CALLERS are the callers listed for the
 * services it serves, and mesh policy (per-RPC AuthorizationPolicy) will be
 * generated from it. Derived from what the code calls: the edge's REST
 * bindings, the BFF's and the ledger's clients, and the backoffice's
 * documented calls. An RPC nobody calls has no caller: deny by default.
 */
import type { CallGraph } from "../internal-auth/call-graph-interceptor.js";
import type { ServiceName } from "./catalogue.js";

/**
 * Callers that are not processes of the mesh but sign with keys of their own
 * (given to receivers in INTERNAL_AUTH_CALLER_KEYS).
 */
export const externalCallers = {
  /** The payments system: credits wallets when money arrives and authorises, captures and voids card holds. */
  payments: "payments",
} as const;

/** A caller id the graph may name: a service of the catalogue or an external caller. */
export type Caller = ServiceName | (typeof externalCallers)[keyof typeof externalCallers];

type Graph = Readonly<Record<string, Readonly<Record<string, readonly Caller[]>>>>;

const edge = ["gateway"] as const;
const staff = ["backoffice"] as const;

/** The gRPC services each service process serves, by type name (health and reflection aside). */
export const servedServices: Readonly<Record<ServiceName, readonly string[]>> = {
  gateway: [],
  identity: ["wallet.identity.v1.IdentityService"],
  ledger: ["wallet.ledger.v1.LedgerService"],
  risk: ["wallet.risk.v1.RiskService"],
  notification: ["wallet.notification.v1.NotificationService"],
  "mobile-bff": ["wallet.bff.v1.MobileBffService"],
  backoffice: ["wallet.backoffice.v1.BackofficeService", "wallet.backoffice.v1.AuditLogService"],
  "audit-export": [],
};

/** For each service (by proto type name), for each RPC, the callers allowed. */
export const callGraph = {
  "wallet.identity.v1.IdentityService": {
    // Public and self-service RPCs, through the edge; the BFF signs up during onboarding and manages devices and sessions.
    SignUp: ["gateway", "mobile-bff"],
    VerifyEmail: edge,
    ResendVerificationEmail: edge,
    Login: edge,
    CompleteMfaChallenge: edge,
    RefreshTokens: edge,
    Logout: edge,
    GetJwks: edge,
    RequestAccountRecovery: edge,
    CompleteAccountRecovery: edge,
    GetCurrentUser: ["gateway", "mobile-bff"],
    ChangePassword: edge,
    BeginTotpEnrollment: edge,
    ConfirmTotpEnrollment: edge,
    DisableTotp: edge,
    RegenerateRecoveryCodes: edge,
    StepUp: edge,
    ListDevices: ["gateway", "mobile-bff"],
    RevokeDevice: ["gateway", "mobile-bff"],
    TrustDevice: edge,
    ListSessions: ["gateway", "mobile-bff"],
    RevokeSession: ["gateway", "mobile-bff"],
    LookupUser: ["mobile-bff"],
    // Staff operations, through the backoffice.
    GetUser: staff,
    SearchUsers: staff,
    LockUser: staff,
    UnlockUser: staff,
    RevokeUserSessions: staff,
    CreateStaffUser: staff,
    ListStaffUsers: staff,
    SetStaffRoles: staff,
    ResetUserMfa: staff,
    // The backoffice's create-admin command, for the first sign-in of a fresh install.
    CreateFirstAdmin: staff,
    // IntrospectToken: no caller yet (the edge and the BFF check revoked sessions themselves).
  },
  "wallet.ledger.v1.LedgerService": {
    OpenAccount: ["mobile-bff"],
    GetAccount: ["mobile-bff", "backoffice"],
    ListAccounts: ["mobile-bff", "backoffice"],
    FreezeAccount: staff,
    UnfreezeAccount: staff,
    // Money from outside and card holds: the payments system alone.
    TopUp: ["payments"],
    Transfer: ["mobile-bff"],
    Refund: ["mobile-bff", "backoffice"],
    AuthorizeHold: ["payments"],
    CaptureHold: ["payments"],
    VoidHold: ["payments"],
    GetBalance: ["mobile-bff", "backoffice"],
    GetTransaction: ["mobile-bff", "backoffice"],
    ListStatementEntries: ["mobile-bff", "backoffice"],
    VerifyIntegrity: staff,
    // Manual corrections, after a second staff member's approval in the backoffice.
    AdjustBalance: staff,
    // Bulk payouts, settlement and imports: the payments system's batch jobs.
    CreateTransfers: ["payments"],
    // CloseAccount, Withdraw, GetBalanceAt: no caller yet. ExpireHolds: the ledger's own maintenance loop runs it in process.
  },
  "wallet.risk.v1.RiskService": {
    // Scoring counts a movement toward its user's velocity: only the service that posts movements asks.
    ScoreTransaction: ["ledger"],
    ListAlerts: staff,
    GetAlert: staff,
    AcknowledgeAlert: staff,
    ResolveAlert: staff,
    ListRules: staff,
    UpsertRule: staff,
    DeleteRule: staff,
    AddBlocklistEntry: staff,
    RemoveBlocklistEntry: staff,
    ListBlocklistEntries: staff,
    ListDeadLetters: staff,
    ReplayDeadLetters: staff,
  },
  "wallet.notification.v1.NotificationService": {
    // Requests name the user they act for: only the services that authenticate users or staff.
    GetPreferences: ["mobile-bff", "backoffice"],
    UpdatePreferences: ["mobile-bff", "backoffice"],
    ListNotifications: ["mobile-bff", "backoffice"],
    SendTestNotification: staff,
    ListDeadLetters: staff,
    ReplayDeadLetters: staff,
  },
  "wallet.bff.v1.MobileBffService": {
    Bootstrap: edge,
    Onboard: edge,
    ListAccounts: edge,
    OpenAccount: edge,
    GetBalance: edge,
    GetStatement: edge,
    Transfer: edge,
    RequestRefund: edge,
    GetTransaction: edge,
    ListDevices: edge,
    RevokeDevice: edge,
    ListSessions: edge,
    RevokeSession: edge,
    GetNotificationPreferences: edge,
    UpdateNotificationPreferences: edge,
    ListNotifications: edge,
  },
  "wallet.backoffice.v1.BackofficeService": {
    SearchUsers: edge,
    GetUser: edge,
    LockUser: edge,
    UnlockUser: edge,
    RevokeUserSessions: edge,
    GetAccount: edge,
    ListAccountTransactions: edge,
    FreezeAccount: edge,
    UnfreezeAccount: edge,
    GetTransaction: edge,
    IssueRefund: edge,
    ListRiskAlerts: edge,
    GetRiskAlert: edge,
    AcknowledgeRiskAlert: edge,
    ResolveRiskAlert: edge,
    VerifyLedgerIntegrity: edge,
    ListAuditLog: edge,
    ListStaff: edge,
    CreateStaff: edge,
    GrantRole: edge,
    RevokeRole: edge,
    SendTestNotification: edge,
    ListNotificationDeadLetters: edge,
    ReplayNotificationDeadLetters: edge,
    ResetUserMfa: edge,
    AdjustBalance: edge,
    ListApprovalRequests: edge,
    GetApprovalRequest: edge,
    ApproveApprovalRequest: edge,
    RejectApprovalRequest: edge,
    CancelApprovalRequest: edge,
  },
  "wallet.backoffice.v1.AuditLogService": {
    // The exporter follows the log to ship it to the SIEM.
    ReadAuditLog: ["audit-export"],
  },
} as const satisfies Graph satisfies CallGraph;

/**
 * Every caller the graph lets call some RPC of `service`'s process: its
 * default INTERNAL_AUTH_ALLOWED_CALLERS. Empty for a process serving no RPC.
 */
export function callersOfProcess(service: ServiceName): string[] {
  const graph: CallGraph = callGraph;
  const callers = new Set<string>();
  for (const typeName of servedServices[service]) {
    for (const allowed of Object.values(graph[typeName] ?? {})) allowed.forEach((caller) => callers.add(caller));
  }
  return [...callers].sort();
}
