/**
 * The console's models wired to one API client and one router; pages find
 * them through {@link ConsoleContext}.
 *
 * @module
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type ApiClient, createApiClient } from "./api/client.ts";
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
}

/** Builds the console's models; `api` defaults to the edge this page came from. */
export function createConsole(
  browser: BrowserLocation,
  options: { api?: ApiClient } = {},
): Console {
  // The client reports an ended session to the session model, which needs the client.
  const onUnauthorized = () => session.expire();
  const api = options.api ?? createApiClient({ onUnauthorized });
  const session = createSessionModel(api);
  return {
    api,
    router: createRouter(browser),
    session,
    overview: createOverviewModel(api),
    jobs: createJobsModel(api),
    jobDetail: createJobDetailModel(api),
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
