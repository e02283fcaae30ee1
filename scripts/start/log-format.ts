/**
 * Turns one line of a process's pino JSON output into a short, readable line
 * with the process name in front, for `npm start`. Lines that are not JSON
 * (a stack trace printed before the logger existed) pass through unchanged.
 */
const levels: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const colours = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94, 91];
const hidden = new Set(["level", "time", "msg", "pid", "hostname", "service"]);

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;

/** Wraps text in an ANSI colour when writing to a terminal that wants colour. */
export function paint(colour: number, text: string): string {
  return useColour ? `\x1b[${colour}m${text}\x1b[0m` : text;
}

/** Formats a log line; `index` picks a stable colour for the prefix. */
export function formatLogLine(processName: string, index: number, line: string, width: number): string {
  const prefix = `${paint(colours[index % colours.length]!, processName.padEnd(width))} │ `;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return prefix + line;
  }
  if (typeof record !== "object" || record === null) return prefix + line;
  const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 23) : "";
  const level = levels[record.level as number] ?? String(record.level ?? "");
  const extras = Object.entries(record)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${prefix}${time} ${level} ${String(record.msg ?? "")}${extras ? `  ${extras}` : ""}`;
}
