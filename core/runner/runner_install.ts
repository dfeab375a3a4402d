/**
 * Which actions runner an instance runs, and where it comes from: a pinned
 * release archive whose SHA-256 per architecture is checked before it is
 * unpacked, or a runner already installed in the pool's AMI (nothing is
 * downloaded). GitHub refuses to register runners older than its minimum
 * version, so the pin must move with actions/runner's releases.
 */
import { z } from "zod";

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex SHA-256");

/** A runner release to download: version, where releases live, the archive digests. */
export const RunnerRelease = z.object({
  version: z.string().regex(/^\d+\.\d+\.\d+$/, "expected a runner version such as 2.336.0"),
  /** Base URL of `v<version>/actions-runner-linux-<arch>-<version>.tar.gz`. */
  archiveBaseUrl: z.url().default("https://github.com/actions/runner/releases/download"),
  sha256: z.object({ x64: Sha256, arm64: Sha256 }),
});
export type RunnerRelease = z.infer<typeof RunnerRelease>;

/**
 * actions/runner v2.336.0 (2026-07-20), the digests its release notes publish
 * for `actions-runner-linux-x64-2.336.0.tar.gz` and `…-linux-arm64-…`.
 */
export const DEFAULT_RUNNER_RELEASE: RunnerRelease = {
  version: "2.336.0",
  archiveBaseUrl: "https://github.com/actions/runner/releases/download",
  sha256: {
    x64: "04cf0be1aff4c3ec3554466c39124ca250e3effd8873bb7e8d68535aa9505d5d",
    arm64: "58b758e420b87093fbd4bfddd368074960053e2f1388f01848c82624b90f27d1",
  },
};

/** How one launch gets its runner: a verified download, or a path in the AMI. */
export type RunnerInstall =
  | { kind: "download"; release: RunnerRelease }
  | { kind: "preinstalled"; path: string };

/** A pool's AMI runner path wins over the configured release. */
export function runnerInstallOf(
  release: RunnerRelease,
  preinstalledPath: string | null | undefined,
): RunnerInstall {
  return preinstalledPath
    ? { kind: "preinstalled", path: preinstalledPath }
    : { kind: "download", release };
}
