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

/** What every installation (and token) of the fake app may do. */
export const PERMISSIONS: Record<string, string> = {
  actions: "read",
  administration: "write",
  metadata: "read",
  organization_self_hosted_runners: "write",
};
