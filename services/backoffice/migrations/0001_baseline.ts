import type { Kysely } from "kysely";

/**
 * Baseline: records that this database belongs to the backoffice service, so
 * tooling (and people) can tell which service owns a database. Later
 * migrations add the service's own tables.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("service_metadata")
    .addColumn("key", "text", (col) => col.primaryKey())
    .addColumn("value", "text", (col) => col.notNull())
    .execute();
  await db.insertInto("service_metadata").values({ key: "schema_owner", value: "backoffice" }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("service_metadata").execute();
}
