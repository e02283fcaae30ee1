/**
 * The release command as Jobs: one per service database, running
 * `npm run migrate`'s script for that service (`migrate <service>` in the
 * image) against the cluster's primary directly (DDL needs no pooler). The
 * services never migrate at start-up. Jobs are immutable: a release deletes
 * the finished ones first (docs/deployment.md).
 */
import { Job } from "kubernetes-models/batch/v1/Job";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { databases, processByName } from "../../platform/mesh/catalogue.js";
import { databaseClusterOf } from "./data-names.js";
import { configMapName } from "./environment.js";
import { metadata, partOf } from "./labels.js";
import { databaseAppSecret } from "./secrets.js";
import { containerSecurityContext, podSecurityContext } from "./security-context.js";
import { IMAGE } from "./settings.js";
import { imageTag } from "./version.js";

/** The component label of the migration Jobs and their pods. */
export const MIGRATION_COMPONENT = "migration";

/** The service account the Jobs run under (no API access, no mesh identity needed). */
export const MIGRATIONS_SERVICE_ACCOUNT = "migrations";

type DatabaseEntry = (typeof databases)[number];

/** The Job's name for a database. */
export const migrationJobName = (database: DatabaseEntry): string => `${database.owner}-migrate`;

/** The Job migrating `database`. */
export function migrationJob(database: DatabaseEntry): Job {
  const cluster = databaseClusterOf(database);
  const name = migrationJobName(database);
  const labels = partOf(MIGRATION_COMPONENT, name);
  return new Job({
    metadata: metadata(name, labels),
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 900,
      ttlSecondsAfterFinished: 86_400,
      template: {
        // No sidecar: a Job whose sidecar never exits never completes; the database is outside the mesh.
        metadata: { labels: { ...labels, "sidecar.istio.io/inject": "false" } },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: MIGRATIONS_SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(),
          containers: [
            {
              name: "migrate",
              image: `${IMAGE}:${imageTag}`,
              imagePullPolicy: "IfNotPresent",
              args: ["migrate", database.owner],
              // NODE_ENV and LOG_LEVEL as the owning service has them.
              envFrom: [{ configMapRef: { name: configMapName(processByName(database.owner)) } }],
              env: [{ name: database.env, valueFrom: { secretKeyRef: { name: databaseAppSecret(cluster.name), key: "uri" } } }],
              resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
              securityContext: containerSecurityContext(),
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
      },
    },
  });
}

/** The Jobs' file: their service account, then one Job per database. */
export function migrationObjects() {
  return [
    new ServiceAccount({ metadata: metadata(MIGRATIONS_SERVICE_ACCOUNT, partOf(MIGRATION_COMPONENT, MIGRATIONS_SERVICE_ACCOUNT)), automountServiceAccountToken: false }),
    ...databases.map(migrationJob),
  ];
}
