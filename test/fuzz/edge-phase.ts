/**
 * The fuzz run's edge phase: each generated request sent to the REST edge
 * with the current token of the user its placeholder names, judged by
 * judge-answer.ts. A fuzzed logout or session revocation does end a session:
 * its user then signs in again, so later requests still get past
 * authentication.
 */
import type { FuzzSession } from "./fuzz-sessions.js";
import { count, type FuzzTally } from "./fuzz-tally.js";
import type { UserKind } from "./forwarded-headers.js";
import { judgeAnswer, type FuzzAnswer } from "./judge-answer.js";
import type { FuzzRequest, FuzzTokens } from "./openapi-requests.js";

/** What generated requests carry in place of each user's current access token. */
export const TOKEN_PLACEHOLDERS: FuzzTokens = { customer: "{{customer-token}}", staff: "{{staff-token}}" };

/** The user whose token placeholder `authorization` carries, if any. */
const userIn = (authorization: string | undefined): UserKind | undefined =>
  (Object.keys(TOKEN_PLACEHOLDERS) as UserKind[]).find((kind) => authorization?.includes(TOKEN_PLACEHOLDERS[kind]));

/** Sends requests to the edge at `edgeUrl` as the sessions' users, counting into `tally`. */
export function createEdgeSender(edgeUrl: string, sessions: Readonly<Record<UserKind, FuzzSession>>, tally: FuzzTally): (index: number, request: FuzzRequest) => Promise<void> {
  const fetchOnce = async (request: FuzzRequest, headers: Record<string, string>): Promise<FuzzAnswer> => {
    const response = await fetch(`${edgeUrl}${request.target}`, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
  };

  return async (index, request) => {
    tally.operations.add(request.operationId);
    const user = userIn(request.headers.authorization);
    const headers = { ...request.headers };
    if (user) headers.authorization = headers.authorization!.replace(TOKEN_PLACEHOLDERS[user], await sessions[user].token());
    let answer: FuzzAnswer | undefined;
    // A second try only for a connection that broke before any answer: a kept-alive
    // socket the server had just closed is the client's race, not the server's failure.
    for (let attempt = 1; attempt <= 2 && answer === undefined; attempt++) {
      try {
        answer = await fetchOnce(request, headers);
      } catch (err) {
        if (err instanceof TypeError && /header|URL/i.test(String((err as Error).cause ?? err.message))) return; // fetch itself refused to send it
        if (attempt === 2) answer = { status: 599, contentType: "", body: `no answer: ${(err as Error).message} ${String((err as Error).cause ?? "")}` };
      }
    }
    if (answer === undefined) return;
    if (user && answer.status === 401 && answer.body.includes("SESSION_REVOKED")) await sessions[user].renew();
    count(tally.statuses, String(answer.status));
    if (answer.status >= 400) count(tally.reasons, /"reason":"([A-Z_]+)"/.exec(answer.body)?.[1] ?? "(none)");
    const problem = judgeAnswer(answer);
    if (problem) tally.findings.push({ index, problem, request, status: answer.status, body: answer.body.slice(0, 500) });
  };
}
