/**
 * The two users the fuzzer acts as, each signed in through the edge and kept
 * signed in: a customer, and a staff member holding every staff role (made
 * as an operator and an admin make one: `backoffice:create-admin`, then
 * CreateStaff, the invitation, TOTP enrolment and a TOTP sign-in), so the
 * fuzzed requests reach the backoffice's handlers past its role checks.
 */
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { RoleSchema } from "../../gen/wallet/identity/v1/user_pb.js";
import { testInfrastructure } from "../../platform/testing/index.js";
import { meshStateNames } from "../../scripts/start/mesh-env.js";
import { createAuthenticator, createFirstAdmin, invitationToken, totpSecretOf, type Authenticator } from "../e2e/staff-support.js";
import { callEdge, onboardCustomer, type EdgeAnswer, type EdgeCaller } from "../mesh/edge-client.js";
import type { StartedMesh } from "../mesh/start-mesh.js";
import { FUZZ_CLIENT_IP } from "./client-address.js";

/** A signed-in user whose access token the fuzzer keeps current. */
export interface FuzzSession {
  readonly userId: string;
  /** The current access token; signed in again first when it has under a minute left. */
  token(): Promise<string>;
  /** Signs in again, once however many ask at the same time: after a fuzzed logout or session revocation. */
  renew(): Promise<void>;
}

/** Tokens are renewed this long before they expire, so no request carries one that lapses on the way. */
const RENEW_BEFORE_MS = 60_000;

function createSession(userId: string, first: string, signIn: () => Promise<string>): FuzzSession {
  let token = first;
  let renewing: Promise<void> | undefined;
  const renew = () =>
    (renewing ??= signIn()
      .then((next) => void (token = next))
      .finally(() => (renewing = undefined)));
  return {
    userId,
    renew,
    async token() {
      if (((decodeJwt(token).exp ?? Infinity) * 1000) - Date.now() < RENEW_BEFORE_MS) await renew();
      return token;
    },
  };
}

function expectOk(step: string, answer: EdgeAnswer): any {
  if (answer.status !== 200) throw new Error(`${step} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

interface Member {
  readonly email: string;
  readonly password: string;
  readonly deviceId: string;
  readonly ip: string;
}

const device = (member: Member, platform: string) => ({ deviceId: member.deviceId, name: "Fuzz", platform, appVersion: "1.0.0" });

/** A customer onboarded and logged in through the edge at `edgeUrl`. */
export async function signInCustomer(edgeUrl: string): Promise<FuzzSession> {
  const customer = await onboardCustomer(edgeUrl, FUZZ_CLIENT_IP);
  const login = async () => {
    const body = expectOk("the customer's login", await callEdge(edgeUrl, customer, "POST", "/v1/identity/login", { body: { email: customer.email, password: customer.password, device: device(customer, "PLATFORM_IOS") } }));
    return body.tokens.accessToken as string;
  };
  return createSession(customer.userId, customer.accessToken!, login);
}

/** Password, then the TOTP challenge, as the backoffice web app signs in; answers the access token. */
async function logInWithTotp(edgeUrl: string, member: Member, authenticator: Authenticator): Promise<string> {
  const caller: EdgeCaller = { ip: member.ip };
  const login = expectOk("a staff login", await callEdge(edgeUrl, caller, "POST", "/v1/identity/login", { body: { email: member.email, password: member.password, device: device(member, "PLATFORM_WEB") } }));
  if (!login.mfaChallenge?.challengeToken) throw new Error(`a staff login asked for no second factor: ${JSON.stringify(login)}`);
  const mfa = expectOk(
    "a staff TOTP challenge",
    await callEdge(edgeUrl, caller, "POST", "/v1/identity/login/mfa", { body: { challengeToken: login.mfaChallenge.challengeToken, totpCode: await authenticator.code() }, timeoutMs: 60_000 }),
  );
  return mfa.tokens.accessToken as string;
}

/**
 * The environment `backoffice:create-admin` needs to act on `mesh`: its
 * identity and backoffice databases, Redis and the mesh's key prefixes
 * (identity's outside production uses its development key-encryption secret).
 */
async function operatorEnv(mesh: StartedMesh): Promise<NodeJS.ProcessEnv> {
  const { NODE_TEST_CONTEXT: _testContext, ...inherited } = process.env;
  return {
    ...Object.fromEntries(Object.entries(inherited).filter(([key]) => !key.endsWith("_DATABASE_URL"))),
    NODE_ENV: "development",
    REDIS_URL: (await testInfrastructure()).redisUrl,
    ...meshStateNames(mesh.name),
    IDENTITY_DATABASE_URL: mesh.databaseUrl("identity"),
    BACKOFFICE_DATABASE_URL: mesh.databaseUrl("backoffice"),
  };
}

const member = (name: string): Member => ({ email: `fuzz-${name}-${randomUUID()}@staff.fuzz.example`, password: `fuzz ${name} ${randomUUID()}`, deviceId: randomUUID(), ip: FUZZ_CLIENT_IP });

/**
 * A staff member holding every role of `wallet.identity.v1.Role`, signed in
 * with TOTP through the edge at `edgeUrl` of `mesh`: the first admin is
 * created by `backoffice:create-admin`, creates them (POST /v1/admin/staff),
 * and they set their password from the invitation, enrol TOTP and sign in.
 */
export async function signInStaff(mesh: StartedMesh, edgeUrl: string): Promise<FuzzSession> {
  const admin = member("admin");
  const created = await createFirstAdmin(await operatorEnv(mesh), admin.email, "Fuzz Admin", admin.password);
  const adminToken = await logInWithTotp(edgeUrl, admin, createAuthenticator(totpSecretOf(created.totpUri)));

  const staff = member("staff");
  const roles = RoleSchema.values.filter((role) => role.number !== 0).map((role) => role.name);
  const asAdmin: EdgeCaller = { ip: admin.ip, accessToken: adminToken };
  const made = expectOk("CreateStaff", await callEdge(edgeUrl, asAdmin, "POST", "/v1/admin/staff", { body: { email: staff.email, displayName: "Fuzz Staff", roles, reason: "the fuzz suite's staff member" }, timeoutMs: 60_000 }));
  const userId = made.staff.id as string;

  const invitation = await invitationToken(mesh.databaseUrl("identity"), userId);
  const caller: EdgeCaller = { ip: staff.ip };
  expectOk("the invitation", await callEdge(edgeUrl, caller, "POST", "/v1/identity/recovery/complete", { body: { token: invitation, newPassword: staff.password } }));
  const firstLogin = expectOk("the first staff login", await callEdge(edgeUrl, caller, "POST", "/v1/identity/login", { body: { email: staff.email, password: staff.password, device: device(staff, "PLATFORM_WEB") } }));
  const enrolling: EdgeCaller = { ip: staff.ip, accessToken: firstLogin.tokens.accessToken };
  const begun = expectOk("TOTP enrolment", await callEdge(edgeUrl, enrolling, "POST", "/v1/identity/me/mfa/totp", { body: {} }));
  const authenticator = createAuthenticator(begun.secret);
  expectOk("TOTP confirmation", await callEdge(edgeUrl, enrolling, "POST", "/v1/identity/me/mfa/totp/confirm", { body: { totpCode: await authenticator.code() } }));

  const signIn = () => logInWithTotp(edgeUrl, staff, authenticator);
  return createSession(userId, await signIn(), signIn);
}
