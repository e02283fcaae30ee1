import os from "node:os";
import pg from "pg";

/** Where the figures were measured: they mean little without it. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** `SELECT version()` of the PostgreSQL server used, when it answered. */
  readonly postgres?: string;
  /** Server settings that move the figures most (durability, memory, connections). */
  readonly postgresSettings?: Readonly<Record<string, string>>;
}

/** Settings reported with the PostgreSQL version. */
const SETTINGS = ["fsync", "synchronous_commit", "wal_sync_method", "shared_buffers", "max_connections"];

/** Describes this machine and, given a URL, the PostgreSQL server. */
export async function describeMachine(postgresUrl?: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  let postgres: string | undefined;
  let postgresSettings: Record<string, string> | undefined;
  if (postgresUrl) {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ version: string }>("SELECT version()");
      postgres = rows[0]?.version;
      const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
        "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name",
        [SETTINGS],
      );
      postgresSettings = Object.fromEntries(settings.rows.map((row) => [row.name, row.unit ? `${row.setting} (${row.unit})` : row.setting]));
    } catch {
      postgres = undefined;
    } finally {
      await client.end().catch(() => {});
    }
  }
  return {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...(postgres ? { postgres } : {}),
    ...(postgresSettings ? { postgresSettings } : {}),
  };
}
