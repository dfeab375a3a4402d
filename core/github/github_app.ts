/**
 * GitHub through the Gantry GitHub App: just-in-time runner configs, runner
 * removal, workflow jobs and re-runs, and the App's webhook delivery log.
 *
 * Rate limits and transient failures are handled in one place, Octokit's
 * throttling and retry plugins. Installation tokens are cached by
 * @octokit/auth-app until a minute before GitHub's one-hour expiry, shared by
 * one Octokit per installation; a token GitHub rejects early (revoked,
 * rotated key) is refreshed once and the call retried.
 */
import type { CallMetrics } from "../metrics/core_metrics.ts";
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import { z } from "zod";
import { ConflictError, GantryError, UpstreamError } from "../../shared/errors.ts";
import type { JobFacts } from "../../shared/schema/edge_core.ts";
import type { Logger } from "../log.ts";
import { jobFactsOf } from "./job_facts.ts";

/** Where runners register: the repository, or its organisation (org-scoped projects). */
export type RunnerScope = "repo" | "org";

export interface JitConfigRequest {
  repoFullName: string;
  /** From the webhook; looked up from the repo when absent. */
  installationId: number | null;
  runnerName: string;
  labels: readonly string[];
  /** Default "repo". */
  scope?: RunnerScope;
  /** The runner group (org scope only); default 1, GitHub's Default group. */
  runnerGroupId?: number;
}

export interface JitConfig {
  runnerId: number;
  encodedJitConfig: string;
  /**
   * Where the runner registered. An org registration GitHub refuses with 404
   * (the owner is a user account) or 403 (the App lacks the org runner
   * permission) falls back to the repository.
   */
  scope: RunnerScope;
}

/**
 * GitHub refused a runner registration for good: 403 "Resource not accessible
 * by integration" (the App lacks a permission, or an org policy disables
 * self-hosted runners for the repository), or 404 (the App cannot see the
 * repository). Asking again gets the same answer.
 */
export class RunnerRefusedError extends GantryError {
  constructor(message: string, readonly status: number, options?: { cause?: unknown }) {
    super("runner_refused", message, options);
  }
}

/** One entry of the App's webhook delivery log. */
export interface HookDelivery {
  id: number;
  guid: string;
  deliveredAt: number;
  isRedelivery: boolean;
  statusCode: number;
  event: string;
  action: string | null;
}

/** What removing a runner came to. GitHub refuses while the runner runs a job. */
export type RunnerRemoval = "removed" | "not_found" | "busy";

export interface RunnerRef {
  repoFullName: string;
  installationId: number | null;
  runnerName: string;
  scope?: RunnerScope;
}

/** What the scheduler, reaper and reconciler need from GitHub. */
export interface GitHub {
  generateJitConfig(request: JitConfigRequest): Promise<JitConfig>;
  /** Deletes the runner called `runnerName`, found by name. */
  removeRunner(ref: RunnerRef): Promise<RunnerRemoval>;
  /** The App's webhook deliveries delivered at or after `since` (epoch ms), newest first. */
  deliveriesSince(since: number): Promise<HookDelivery[]>;
  /** Asks GitHub to deliver `deliveryId` again. */
  redeliver(deliveryId: number): Promise<void>;
  /** Full names of the repositories of `org` that the App's installation there can see. */
  reposOfOrg(org: string): Promise<string[]>;
  /** Jobs of the repo that GitHub has queued (in queued and in-progress runs). */
  queuedJobs(repo: { repoFullName: string; installationId: number | null }): Promise<JobFacts[]>;
  /** One job as GitHub sees it now; null when GitHub does not know it. */
  job(
    repo: { repoFullName: string; installationId: number | null },
    githubJobId: number,
  ): Promise<JobFacts | null>;
  /** The jobs of a run's latest attempt. */
  jobsOfRun(
    repo: { repoFullName: string; installationId: number | null },
    runId: number,
  ): Promise<JobFacts[]>;
  /**
   * Re-runs one job (a new attempt of its run with that job queued again).
   * "refused" when GitHub will not (already re-run, or not its run's latest try).
   */
  rerunJob(
    repo: { repoFullName: string; installationId: number | null },
    githubJobId: number,
  ): Promise<"rerun" | "refused">;
  /** A workflow run's status ("queued", "in_progress", "completed", …); null when GitHub does not know it. */
  workflowRun(
    repo: { repoFullName: string; installationId: number | null },
    runId: number,
  ): Promise<{ status: string; conclusion: string | null } | null>;
  /**
   * Re-runs every failed job of a completed run in a new attempt: the way to
   * re-run a job of a reusable workflow, which GitHub will not re-run alone.
   */
  rerunFailedJobs(
    repo: { repoFullName: string; installationId: number | null },
    runId: number,
  ): Promise<"rerun" | "refused">;
  /** The fewest API calls left in any rate-limit window seen lately; null before the first call. */
  rateRemaining(): number | null;
}

const DeliveryItem = z.object({
  id: z.number(),
  guid: z.string(),
  delivered_at: z.string(),
  redelivery: z.boolean(),
  status_code: z.number(),
  event: z.string(),
  action: z.string().nullable(),
});

const HardenedOctokit = Octokit.plugin(throttling, retry, paginateRest);
type HardenedOctokit = InstanceType<typeof HardenedOctokit>;

/** GitHub's secondary rate limit: 900 points a minute, 5 points per write. */
export const DEFAULT_WRITES_PER_SECOND = 3;

/** Throttle-plugin retries per request before a rate-limited call fails. */
const RATE_LIMIT_RETRIES = 2;

export class GitHubApp implements GitHub {
  #app: App;
  #log: Logger | null;
  #installations = new Map<number, Promise<HardenedOctokit>>();
  #installationOfRepo = new Map<string, number>();
  #rateRemaining = new Map<string, number>();
  #metrics: CallMetrics | null;

  constructor(
    options: {
      appId: number;
      privateKey: string;
      apiUrl: string;
      log?: Logger;
      retries?: number;
      /** Writes (POST, DELETE) per second; GitHub's secondary limit allows about 3 (900 points/min, 5 per write). */
      writesPerSecond?: number;
      /** Counts calls and rate-limit hits. */
      metrics?: CallMetrics;
    },
  ) {
    this.#log = options.log ?? null;
    this.#metrics = options.metrics ?? null;
    const metrics = this.#metrics;
    const log = this.#log;
    const onLimit = (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      metrics?.call("github", "throttled");
      log?.warn(`GitHub ${kind} rate limit hit`, {
        method: request.method,
        url: request.url,
        retryAfterSeconds: retryAfter,
        retryCount,
      });
      return retryCount < RATE_LIMIT_RETRIES;
    };
    this.#app = new App({
      appId: options.appId,
      privateKey: options.privateKey,
      // Octokit's own notices (token retries, deprecations) go to our log, not stderr.
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => log?.warn(message),
        error: (message: string) => log?.error(message),
      },
      Octokit: HardenedOctokit.defaults({
        baseUrl: options.apiUrl,
        throttle: {
          onRateLimit: onLimit("primary"),
          onSecondaryRateLimit: onLimit("secondary"),
          // The plugin's default spaces every write a second apart, one at a time: a burst
          // of 1,000 JIT configs would take 17 minutes. Pace them to GitHub's documented limit.
          write: new Bottleneck.Group({
            maxConcurrent: 10,
            minTime: Math.ceil(1000 / (options.writesPerSecond ?? DEFAULT_WRITES_PER_SECOND)),
          }),
        },
        // The plugin's own list, plus 409: a conflict (runner name taken) is an answer, not
        // a hiccup; retrying it only waits ~25 s for the same refusal.
        retry: {
          retries: options.retries ?? 3,
          doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451],
        },
      }),
    });
    this.#watchRate(this.#app.octokit as HardenedOctokit, "app");
  }

  rateRemaining(): number | null {
    return this.#rateRemaining.size === 0 ? null : Math.min(...this.#rateRemaining.values());
  }

  async generateJitConfig(request: JitConfigRequest): Promise<JitConfig> {
    const [owner, repo] = request.repoFullName.split("/");
    const body = {
      name: request.runnerName,
      labels: [...request.labels],
      work_folder: "_work",
    };
    try {
      return await this.#asInstallation(request, async (octokit) => {
        if (request.scope === "org") {
          try {
            const { data } = await octokit.request(
              "POST /orgs/{org}/actions/runners/generate-jitconfig",
              { org: owner, runner_group_id: request.runnerGroupId ?? 1, ...body },
            );
            const scope: RunnerScope = "org";
            return { runnerId: data.runner.id, encodedJitConfig: data.encoded_jit_config, scope };
          } catch (error) {
            if (!isRefusal(error)) throw error;
            this.#log?.warn(
              `GitHub refused an org-level runner (HTTP ${
                statusOf(error)
              }: a user account, no org runner permission, or an org policy); registering it with the repository`,
              { org: owner, runner: request.runnerName },
            );
          }
        }
        const { data } = await octokit.request(
          "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig",
          // The repo endpoint takes a runner group too; repo runners live in the Default one.
          { owner, repo, runner_group_id: 1, ...body },
        );
        const scope: RunnerScope = "repo";
        return { runnerId: data.runner.id, encodedJitConfig: data.encoded_jit_config, scope };
      });
    } catch (cause) {
      const status = statusOf(cause);
      const message = `GitHub generate-jitconfig for ${request.repoFullName} failed` +
        (status ? ` (HTTP ${status})` : "");
      if (status === 409) throw new ConflictError(`${message}: runner name taken`, { cause });
      if (isRefusal(cause)) {
        const said = (cause as { response?: { data?: { message?: unknown } } }).response?.data
          ?.message;
        throw new RunnerRefusedError(
          `${message}: ${typeof said === "string" ? said : "refused"}`,
          status as number,
          { cause },
        );
      }
      throw new UpstreamError(message, { cause });
    }
  }

  async removeRunner(ref: RunnerRef): Promise<RunnerRemoval> {
    const [owner, repo] = ref.repoFullName.split("/");
    const isOrg = ref.scope === "org";
    try {
      return await this.#asInstallation(ref, async (octokit) => {
        const { data } = isOrg
          ? await octokit.request("GET /orgs/{org}/actions/runners", {
            org: owner,
            name: ref.runnerName,
          })
          : await octokit.request("GET /repos/{owner}/{repo}/actions/runners", {
            owner,
            repo,
            name: ref.runnerName,
          });
        const runner = data.runners.find((r) => r.name === ref.runnerName);
        if (!runner) return "not_found";
        try {
          if (isOrg) {
            await octokit.request("DELETE /orgs/{org}/actions/runners/{runner_id}", {
              org: owner,
              runner_id: runner.id,
            });
          } else {
            await octokit.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", {
              owner,
              repo,
              runner_id: runner.id,
            });
          }
          return "removed";
        } catch (error) {
          if (statusOf(error) === 404) return "not_found";
          if (statusOf(error) === 422) return "busy";
          throw error;
        }
      });
    } catch (cause) {
      throw upstream(`GitHub remove runner ${ref.runnerName} of ${ref.repoFullName}`, cause);
    }
  }

  async deliveriesSince(since: number): Promise<HookDelivery[]> {
    const deliveries: HookDelivery[] = [];
    try {
      const pages = (this.#app.octokit as HardenedOctokit).paginate.iterator(
        "GET /app/hook/deliveries",
        { per_page: 100 },
      );
      for await (const page of pages) {
        const items = z.array(DeliveryItem).parse(page.data);
        for (const item of items) {
          const deliveredAt = Date.parse(item.delivered_at);
          if (deliveredAt < since) return deliveries;
          deliveries.push({
            id: item.id,
            guid: item.guid,
            deliveredAt,
            isRedelivery: item.redelivery,
            statusCode: item.status_code,
            event: item.event,
            action: item.action,
          });
        }
      }
      return deliveries;
    } catch (cause) {
      throw upstream("GitHub list webhook deliveries", cause);
    }
  }

  async redeliver(deliveryId: number): Promise<void> {
    try {
      await this.#app.octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", {
        delivery_id: deliveryId,
      });
    } catch (cause) {
      throw upstream(`GitHub redeliver webhook delivery ${deliveryId}`, cause);
    }
  }

  async reposOfOrg(org: string): Promise<string[]> {
    try {
      const { data: installation } = await this.#app.octokit.request(
        "GET /orgs/{org}/installation",
        { org },
      );
      const octokit = await this.#octokitOf(installation.id);
      const repositories = await octokit.paginate("GET /installation/repositories", {
        per_page: 100,
      });
      const names = repositories.map((repository) => repository.full_name);
      // Each listed repo's installation is known now: its job listings skip the lookup.
      for (const name of names) this.#installationOfRepo.set(name.toLowerCase(), installation.id);
      return names;
    } catch (cause) {
      throw upstream(`GitHub list repositories of ${org}`, cause);
    }
  }

  async queuedJobs(
    ref: { repoFullName: string; installationId: number | null },
  ): Promise<JobFacts[]> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#asInstallation(ref, async (octokit, installationId) => {
        const jobs: JobFacts[] = [];
        const seen = new Set<number>();
        // A run with one job running and another waiting for a runner is "in_progress".
        for (const status of ["queued", "in_progress"] as const) {
          const runs = await octokit.paginate("GET /repos/{owner}/{repo}/actions/runs", {
            owner,
            repo,
            status,
            per_page: 100,
          });
          for (const run of runs) {
            if (seen.has(run.id)) continue;
            seen.add(run.id);
            const runJobs = await this.#jobsOfRun(octokit, ref.repoFullName, run.id);
            jobs.push(
              ...runJobs.map((job) => jobFactsOf(job, { ...ref, installationId }))
                .filter((job) => job.status === "queued"),
            );
          }
        }
        return jobs;
      });
    } catch (cause) {
      throw upstream(`GitHub list queued jobs of ${ref.repoFullName}`, cause);
    }
  }

  async job(
    ref: { repoFullName: string; installationId: number | null },
    githubJobId: number,
  ): Promise<JobFacts | null> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#asInstallation(ref, async (octokit, installationId) => {
        try {
          const { data } = await octokit.request(
            "GET /repos/{owner}/{repo}/actions/jobs/{job_id}",
            {
              owner,
              repo,
              job_id: githubJobId,
            },
          );
          return jobFactsOf(data, { ...ref, installationId });
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
      });
    } catch (cause) {
      throw upstream(`GitHub get job ${githubJobId} of ${ref.repoFullName}`, cause);
    }
  }

  async jobsOfRun(
    ref: { repoFullName: string; installationId: number | null },
    runId: number,
  ): Promise<JobFacts[]> {
    try {
      return await this.#asInstallation(ref, async (octokit, installationId) => {
        const jobs = await this.#jobsOfRun(octokit, ref.repoFullName, runId);
        return jobs.map((job) => jobFactsOf(job, { ...ref, installationId }));
      });
    } catch (cause) {
      throw upstream(`GitHub list jobs of run ${runId} of ${ref.repoFullName}`, cause);
    }
  }

  async rerunJob(
    ref: { repoFullName: string; installationId: number | null },
    githubJobId: number,
  ): Promise<"rerun" | "refused"> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#asInstallation(ref, async (octokit) => {
        try {
          await octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
            owner,
            repo,
            job_id: githubJobId,
          });
          return "rerun";
        } catch (error) {
          if (statusOf(error) === 403 && isRefusal(error)) return "refused";
          throw error;
        }
      });
    } catch (cause) {
      throw upstream(`GitHub re-run job ${githubJobId} of ${ref.repoFullName}`, cause);
    }
  }

  async workflowRun(
    ref: { repoFullName: string; installationId: number | null },
    runId: number,
  ): Promise<{ status: string; conclusion: string | null } | null> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#asInstallation(ref, async (octokit) => {
        try {
          const { data } = await octokit.request(
            "GET /repos/{owner}/{repo}/actions/runs/{run_id}",
            {
              owner,
              repo,
              run_id: runId,
            },
          );
          return { status: data.status ?? "unknown", conclusion: data.conclusion ?? null };
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
      });
    } catch (cause) {
      throw upstream(`GitHub get run ${runId} of ${ref.repoFullName}`, cause);
    }
  }

  async rerunFailedJobs(
    ref: { repoFullName: string; installationId: number | null },
    runId: number,
  ): Promise<"rerun" | "refused"> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#asInstallation(ref, async (octokit) => {
        try {
          await octokit.request(
            "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
            { owner, repo, run_id: runId },
          );
          return "rerun";
        } catch (error) {
          if (isRefusal(error)) return "refused";
          throw error;
        }
      });
    } catch (cause) {
      throw upstream(`GitHub re-run failed jobs of run ${runId} of ${ref.repoFullName}`, cause);
    }
  }

  #jobsOfRun(octokit: HardenedOctokit, repoFullName: string, runId: number) {
    const [owner, repo] = repoFullName.split("/");
    return octokit.paginate("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
      owner,
      repo,
      run_id: runId,
      filter: "latest",
      per_page: 100,
    });
  }

  /**
   * Runs `call` with the installation's Octokit. A 401 means the cached token
   * died before its time: fetch a fresh one and try once more.
   */
  async #asInstallation<T>(
    ref: { repoFullName: string; installationId: number | null },
    call: (octokit: HardenedOctokit, installationId: number) => Promise<T>,
  ): Promise<T> {
    const installationId = ref.installationId ?? await this.#installationOf(ref.repoFullName);
    const octokit = await this.#octokitOf(installationId);
    try {
      return await call(octokit, installationId);
    } catch (error) {
      if (statusOf(error) !== 401) throw error;
      this.#log?.info("GitHub installation token rejected; fetching a new one", {
        installationId,
      });
      await this.#app.octokit.auth({ type: "installation", installationId, refresh: true });
      return await call(octokit, installationId);
    }
  }

  #octokitOf(installationId: number): Promise<HardenedOctokit> {
    let octokit = this.#installations.get(installationId);
    if (!octokit) {
      octokit = (this.#app.getInstallationOctokit(installationId) as Promise<HardenedOctokit>)
        .then((created) => {
          this.#watchRate(created, `installation:${installationId}`);
          return created;
        });
      octokit.catch(() => this.#installations.delete(installationId));
      this.#installations.set(installationId, octokit);
    }
    return octokit;
  }

  async #installationOf(repoFullName: string): Promise<number> {
    const key = repoFullName.toLowerCase();
    const known = this.#installationOfRepo.get(key);
    if (known !== undefined) return known;
    const [owner, repo] = repoFullName.split("/");
    const { data } = await this.#app.octokit.request("GET /repos/{owner}/{repo}/installation", {
      owner,
      repo,
    });
    this.#installationOfRepo.set(key, data.id);
    return data.id;
  }

  /** Remembers the rate-limit headroom each Octokit's responses report. */
  #watchRate(octokit: HardenedOctokit, key: string): void {
    octokit.hook.error("request", (error) => {
      this.#metrics?.call("github", "error");
      throw error;
    });
    octokit.hook.after("request", (response) => {
      this.#metrics?.call("github", "ok");
      const remaining = Number(response.headers["x-ratelimit-remaining"]);
      if (Number.isFinite(remaining)) this.#rateRemaining.set(key, remaining);
    });
  }
}

/**
 * A refusal that asking again will not change: 404, or a 403 that is not a
 * rate limit (GitHub answers both limits with 403 too, and says so).
 */
function isRefusal(error: unknown): boolean {
  const status = statusOf(error);
  if (status === 404) return true;
  if (status !== 403) return false;
  const message = String((error as { message?: unknown }).message ?? "");
  return !/rate limit/i.test(message);
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

/** An UpstreamError naming the call and its HTTP status, never the request or its token. */
function upstream(what: string, cause: unknown): UpstreamError {
  const status = statusOf(cause);
  return new UpstreamError(`${what} failed${status ? ` (HTTP ${status})` : ""}`, { cause });
}
