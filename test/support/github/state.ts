/**
 * What the fake knows, shared by its routes and its control surface.
 *
 * @module
 */
import type { AppKeys, InstallationTokens } from "./app_auth.ts";
import type { DeliveryLog } from "./deliveries.ts";
import type { RunnerRegistry } from "./runners.ts";
import type { WorkflowStore } from "./workflows.ts";

/** An installation of the app: on `account`, for all its repositories or only `repos`. */
export interface InstallationConfig {
  id: number;
  account: string;
  repos?: string[];
  /** Default "Organization". A user account has no org endpoints (GitHub answers 404). */
  accountType?: "Organization" | "User";
  /** What the installation was granted; default {@link PERMISSIONS}. A missing one gets 403. */
  permissions?: Record<string, string>;
  /**
   * Repositories for which the organisation's policy disables self-hosted
   * runners: registering one there gets 403 "Resource not accessible by integration".
   */
  reposWithoutSelfHostedRunners?: string[];
}

/** Everything the routes read and change. */
export interface GithubState {
  appId: number;
  clientId: string;
  slug: string;
  keys: AppKeys;
  installations: InstallationConfig[];
  tokens: InstallationTokens;
  workflows: WorkflowStore;
  runners: RunnerRegistry;
  deliveries: DeliveryLog;
  apiUrl(): string;
}

/**
 * What an installation (and its tokens) may do unless configured otherwise:
 * what Gantry's core needs. Re-running a job needs `actions: write`.
 */
export const PERMISSIONS: Record<string, string> = {
  actions: "write",
  administration: "write",
  metadata: "read",
  organization_self_hosted_runners: "write",
};

/** Whether `permissions` grant `name` at `level` (write includes read). */
export function allows(
  permissions: Record<string, string>,
  name: string,
  level: "read" | "write",
): boolean {
  const held = permissions[name];
  return held === "write" || (held === "read" && level === "read");
}
