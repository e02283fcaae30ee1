import { randomUUID } from "node:crypto";

/** One answer of the REST edge. */
export interface EdgeAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** Who is calling: the client address the edge sees (through a trusted proxy) and the bearer token, if any. */
export interface EdgeCaller {
  readonly ip: string;
  accessToken?: string;
}

/** A JSON request to the edge at `baseUrl` as `caller`. Network errors reject, as fetch does. */
export async function callEdge(
  baseUrl: string,
  caller: EdgeCaller,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<EdgeAnswer> {
  const headers: Record<string, string> = { "x-forwarded-for": caller.ip, "user-agent": "WalletApp/3.14 (mesh test)", ...options.headers };
  if (caller.accessToken) headers.authorization = `Bearer ${caller.accessToken}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** A customer onboarded and logged in through the edge. */
export interface EdgeCustomer extends EdgeCaller {
  readonly email: string;
  readonly password: string;
  readonly userId: string;
  readonly accountId: string;
  readonly deviceId: string;
}

/**
 * Onboards a customer with a EUR wallet (`POST /v1/onboarding`) and logs in
 * (`POST /v1/identity/login`), so the caller carries an access token.
 * @throws Error with the edge's answer when either step fails.
 */
export async function onboardCustomer(baseUrl: string, ip: string, email = `mesh-${randomUUID()}@example.com`): Promise<EdgeCustomer> {
  const password = `correct horse ${randomUUID()}`;
  const deviceId = randomUUID();
  const device = { deviceId, name: "Test iPhone", platform: "PLATFORM_IOS", appVersion: "3.14.0" };
  const caller: EdgeCaller = { ip };
  const onboard = await callEdge(baseUrl, caller, "POST", "/v1/onboarding", { body: { email, password, device, currency: "EUR", displayName: "Mesh Test" } });
  if (onboard.status !== 200) throw new Error(`onboarding answered ${onboard.status}: ${JSON.stringify(onboard.body)}`);
  const login = await callEdge(baseUrl, caller, "POST", "/v1/identity/login", { body: { email, password, device } });
  if (login.status !== 200 || !login.body?.tokens?.accessToken) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  return { ip, email, password, deviceId, userId: onboard.body.userId, accountId: onboard.body.account.id, accessToken: login.body.tokens.accessToken };
}
