import type { z } from "zod";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { lookupFieldInfo } from "./field-info.js";

/** Environment variables as Node exposes them. */
export type Env = Record<string, string | undefined>;

/**
 * Parses the environment once against `schema` and returns a frozen, typed
 * object. Empty values count as unset, so `FOO=` falls back to the default.
 * Throws ConfigError naming every bad variable and its expected form.
 */
export function readConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === undefined || value.trim() === "" ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return Object.freeze(result.data) as Readonly<z.output<S>>;
  throw new ConfigError(describeIssues(schema, input, result.error.issues));
}

/**
 * readConfig for entry points: on a bad configuration, prints the message to
 * stderr and exits with status 1 before anything else starts.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  try {
    return readConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function describeIssues(
  schema: z.ZodObject,
  input: Record<string, string | undefined>,
  issues: readonly z.core.$ZodIssue[],
): ConfigProblem[] {
  const problems = new Map<string, ConfigProblem>();
  for (const issue of issues) {
    const variable = typeof issue.path[0] === "string" ? issue.path[0] : "(configuration)";
    if (problems.has(variable)) continue; // first problem per variable is enough
    problems.set(variable, { variable, message: describeIssue(schema, input, variable, issue) });
  }
  // Report in the schema's declaration order, which is stable and readable.
  const order = Object.keys(schema.shape);
  return [...problems.values()].sort((a, b) => rank(order, a.variable) - rank(order, b.variable));
}

function describeIssue(
  schema: z.ZodObject,
  input: Record<string, string | undefined>,
  variable: string,
  issue: z.core.$ZodIssue,
): string {
  const field = schema.shape[variable] as z.ZodType | undefined;
  if (!field) return `${variable}: ${issue.message}`; // cross-field refinement
  const info = lookupFieldInfo(field);
  const raw = input[variable];
  if (raw === undefined) {
    return info ? `${variable} is required: ${info.expected}` : `${variable} is required`;
  }
  const expected = info ? info.expected : issue.message;
  const shown = info?.show ? info.show(raw) : raw;
  const got = shown === undefined ? "(value hidden)" : `got ${JSON.stringify(shown)}`;
  return `${variable} must be ${expected}, ${got}`;
}

function rank(order: readonly string[], variable: string): number {
  const index = order.indexOf(variable);
  return index === -1 ? order.length : index;
}
