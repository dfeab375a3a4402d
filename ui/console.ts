/**
 * The console's models wired to one API client and one router; pages find
 * them through {@link ConsoleContext}.
 *
 * @module
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type ApiClient, createApiClient } from "./api/client.ts";
import { createOpsApi, type OpsApi } from "./api/ops_client.ts";
import { createUsersApi, type UsersApi } from "./api/users_client.ts";
import { createUsersModel, type UsersModel } from "./models/users_model.ts";
import { type AccountModel, createAccountModel } from "./models/account_model.ts";
import { type AuditModel, createAuditModel } from "./models/audit_model.ts";
import { createDeadLettersModel, type DeadLettersModel } from "./models/dead_letters_model.ts";
import { createMonthModel, type MonthModel } from "./models/month_model.ts";
import { createStatsModel, type StatsModel } from "./models/stats_model.ts";
import { createWarmPoolsModel, type WarmPoolsModel } from "./models/warm_pools_model.ts";
import { type BackupModel, createBackupModel } from "./models/backup_model.ts";
import { type ConfigModel, createConfigModel } from "./models/config_model.ts";
import { createJobDetailModel, type JobDetailModel } from "./models/job_detail_model.ts";
import { createJobsModel, type JobsModel } from "./models/jobs_model.ts";
import { createOverviewModel, type OverviewModel } from "./models/overview_model.ts";
import { createSessionModel, type SessionModel } from "./models/session_model.ts";
import { type BrowserLocation, createRouter, type Router } from "./router.ts";

/** Everything a page needs. */
export interface Console {
  api: ApiClient;
  router: Router;
  session: SessionModel;
  overview: OverviewModel;
  jobs: JobsModel;
  jobDetail: JobDetailModel;
  /** Stats, the overview month, audit and dead letters. */
  ops: OpsApi;
  month: MonthModel;
  stats: StatsModel;
  audit: AuditModel;
  deadLetters: DeadLettersModel;
  /** Each pool's warm capacity (the Pools page). */
  warmPools: WarmPoolsModel;
  /** Projects, repo bindings and pools. */
  config: ConfigModel;
  backup: BackupModel;
  /** User management and the signed-in user's own account. */
  usersApi: UsersApi;
  users: UsersModel;
  account: AccountModel;
}

/** Builds the console's models; `api` defaults to the edge this page came from. */
export function createConsole(
  browser: BrowserLocation,
  options: { api?: ApiClient; ops?: OpsApi; users?: UsersApi } = {},
): Console {
  // The client reports an ended session to the session model, which needs the client.
  const onUnauthorized = () => session.expire();
  const api = options.api ?? createApiClient({ onUnauthorized });
  const session = createSessionModel(api);
  const ops = options.ops ?? createOpsApi({ onUnauthorized });
  const usersApi = options.users ?? createUsersApi({ onUnauthorized });
  return {
    api,
    router: createRouter(browser),
    session,
    overview: createOverviewModel(api),
    jobs: createJobsModel(api),
    jobDetail: createJobDetailModel(api),
    ops,
    month: createMonthModel(ops),
    stats: createStatsModel(ops),
    audit: createAuditModel(ops),
    deadLetters: createDeadLettersModel(ops),
    warmPools: createWarmPoolsModel(ops),
    config: createConfigModel(api),
    backup: createBackupModel(api),
    usersApi,
    users: createUsersModel(usersApi),
    account: createAccountModel(usersApi),
  };
}

/** The console a page renders in. */
export const ConsoleContext = createContext<Console | null>(null);

/** The console of the surrounding {@link ConsoleContext}. */
export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error("useConsole outside ConsoleContext");
  return value;
}
