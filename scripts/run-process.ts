/**
 * The image's entry script (`node dist/scripts/run-process.js <process>`):
 * starts one process of the catalogue by name, or runs the release command
 * with `migrate <service>...` (npm run migrate's script). Anything else is
 * refused with the list of names, exit code 2.
 */
import { builtEntryOf } from "../platform/mesh/build-output.js";
import { processes } from "../platform/mesh/catalogue.js";

const [name] = process.argv.slice(2);
const entry = processes.find((p) => p.name === name);
if (name === "migrate") {
  // migrate.js reads its services from process.argv.slice(2).
  process.argv.splice(2, 1);
  await import("./migrate.js");
} else if (entry) {
  await import(new URL(`../${builtEntryOf(entry)}`, import.meta.url).href);
} else {
  console.error(`usage: run-process <process> | migrate [service...]\n${name === undefined ? "no process named" : `unknown process "${name}"`}; processes: ${processes.map((p) => p.name).join(", ")}`);
  process.exitCode = 2;
}
