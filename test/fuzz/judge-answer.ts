/** Text that gives away the server's insides: stack frames, SQL, driver and framework internals. */
const LEAK = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bUPDATE\b.*\bSET\b|SQLSTATE|syntax error at|violates .* constraint|duplicate key value|invalid byte sequence|\bkysely\b|\bpg_[a-z]+|ECONNREFUSED|FST_ERR_|TypeError|ReferenceError/i;

/** The internals `text` gives away, if any. */
export function leakIn(text: string): string | undefined {
  return LEAK.exec(text)?.[0];
}

/** One answer of the edge as the fuzzer saw it. */
export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * What is wrong with an answer, or undefined: a 5xx, an error that is not an
 * RFC 9457 problem (or whose `status` member disagrees), or a body that leaks
 * a stack trace or SQL.
 */
export function judgeAnswer(answer: FuzzAnswer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  const leak = leakIn(answer.body);
  if (leak) return `leaks internals: ${leak}`;
  if (answer.status < 400) return undefined;
  if (!answer.contentType.startsWith("application/problem+json")) return `a ${answer.status} that is not problem+json (${answer.contentType || "no content type"})`;
  let problem: { status?: unknown; type?: unknown; title?: unknown };
  try {
    problem = JSON.parse(answer.body);
  } catch {
    return `a ${answer.status} whose problem body is not JSON`;
  }
  if (problem.status !== answer.status) return `a ${answer.status} whose problem says status ${String(problem.status)}`;
  if (typeof problem.type !== "string" || typeof problem.title !== "string") return `a ${answer.status} problem without type and title`;
  return undefined;
}
