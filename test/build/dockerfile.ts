/**
 * A small Dockerfile reader for the image's static checks: instructions
 * (continuation lines joined, comments dropped) grouped into stages, with the
 * `ARG` defaults declared before the first `FROM` substituted into `FROM`.
 * Enough for this repository's Dockerfile, not a full parser.
 */

/** One instruction: `COPY --from=build /app/dist dist` is `{ keyword: "COPY", args: "--from=build /app/dist dist" }`. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** One `FROM` and what follows it up to the next. */
export interface Stage {
  /** The base image, ARG defaults substituted. */
  readonly image: string;
  /** The `AS` name, if any. */
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

/** Splits a Dockerfile into instructions, then stages. */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (pending !== "" && line.startsWith("#")) continue;
    pending += `${pending ? " " : ""}${line.replace(/\\$/, "").trim()}`;
    if (line.endsWith("\\")) continue;
    const [keyword = "", ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(" ") });
    pending = "";
  }
  const globalArgs = new Map<string, string>();
  const stages: Array<{ image: string; name?: string; instructions: Instruction[] }> = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(/\s+/);
      const resolved = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, braced: string, bare: string) => globalArgs.get(braced ?? bare) ?? "");
      stages.push({ image: resolved, ...(as?.toUpperCase() === "AS" && name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === "ARG") {
        const [key, value = ""] = instruction.args.split("=");
        globalArgs.set(key!, value.replace(/^"|"$/g, ""));
      }
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** A `COPY` instruction's parts: `--from`, sources and destination. */
export function copyParts(instruction: Instruction): { from?: string; sources: string[]; destination: string } {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith("--"));
  const paths = words.filter((word) => !word.startsWith("--"));
  const from = flags.find((flag) => flag.startsWith("--from="))?.slice("--from=".length);
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** The JSON (exec) form of ENTRYPOINT or CMD, or undefined for the shell form. */
export function execForm(instruction: Instruction): string[] | undefined {
  try {
    const value: unknown = JSON.parse(instruction.args);
    return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}
