/** The gRPC services of the generated descriptors (gen/wallet), by type name, with their methods. */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { repoRoot } from "../../scripts/k8s/version.js";

/** Every service of every `*_pb.ts` under gen/wallet, keyed by type name, and by the export's name. */
export async function generatedServices(): Promise<{ byTypeName: Map<string, DescService>; byExportName: Map<string, DescService> }> {
  const dir = path.join(repoRoot, "gen/wallet");
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith("_pb.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
  const byTypeName = new Map<string, DescService>();
  const byExportName = new Map<string, DescService>();
  for (const file of files) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if ((value as { kind?: string } | null)?.kind !== "service") continue;
      byTypeName.set((value as DescService).typeName, value as DescService);
      byExportName.set(name, value as DescService);
    }
  }
  return { byTypeName, byExportName };
}
