/**
 * Lists services whose configured *_DATABASE_URL variables point at the same
 * database, and exits 1 when there are any (0 otherwise). Run it in a release
 * pipeline with the production environment:
 *
 *   npm run check:db-isolation
 *
 * The audit exporter may use the backoffice database by leaving
 * AUDIT_EXPORT_DATABASE_URL unset (see platform/db/isolation.ts).
 */
import { databases } from "../../platform/mesh/catalogue.js";
import { describeViolation, findIsolationViolations } from "../../platform/db/isolation.js";

const violations = findIsolationViolations(process.env);
const configured = databases.filter((d) => process.env[d.env]?.trim()).map((d) => d.env);

if (violations.length === 0) {
  console.log(`database isolation: OK (${configured.length} configured: ${configured.join(", ") || "none"})`);
  process.exitCode = 0;
} else {
  console.log(`database isolation: ${violations.length} violation(s)`);
  for (const violation of violations) console.log(`  ${describeViolation(violation)}`);
  process.exitCode = 1;
}
