import { sql, type Kysely } from "kysely";
import type { ReadinessCheck } from "../health/readiness.js";

/** Readiness probe running `SELECT 1` on the service database. */
export function dbReadinessCheck(db: Kysely<any>, name = "postgres"): ReadinessCheck {
  return {
    name,
    check: async () => {
      await sql`SELECT 1`.execute(db);
    },
  };
}
