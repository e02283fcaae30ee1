/** The image tag the manifests name: the package's version (overlays may set another with kustomize's `images`). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const packageJson = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };

/** `wallet-mesh:<tag>`. */
export const imageTag: string = packageJson.version;
