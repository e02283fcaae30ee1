/**
 * The error `readConfig` throws: one line per bad variable, each naming the
 * variable and the form it should take, so an operator can fix every problem
 * from one failed start.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  /** One entry per offending variable, in schema order. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/** A single bad environment variable. */
export interface ConfigProblem {
  /** The variable's name, e.g. `LEDGER_DATABASE_URL`. */
  readonly variable: string;
  /** Human-readable sentence naming the variable and its expected form. */
  readonly message: string;
}

function formatProblems(problems: readonly ConfigProblem[]): string {
  if (problems.length === 1) return `invalid configuration: ${problems[0]!.message}`;
  return ["invalid configuration:", ...problems.map((p) => `  - ${p.message}`)].join("\n");
}
