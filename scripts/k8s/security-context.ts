/** The security contexts every pod and container of the manifests runs with. */
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

/** The user the image runs as (numeric, so `runAsNonRoot` can be checked without the image). */
export const RUN_AS_USER = 10001;

/** A non-root pod of `uid`, seccomp RuntimeDefault; files it creates on volumes belong to `uid`'s group. */
export const podSecurityContext = (uid: number = RUN_AS_USER): IPodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: "RuntimeDefault" },
});

/** A container that cannot gain privileges, write its root filesystem or use any capability. */
export const containerSecurityContext = (): ISecurityContext => ({
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
});
