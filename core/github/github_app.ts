/**
 * GitHub through the Gantry GitHub App: just-in-time runner configs, runner
 * removal, the App's webhook delivery log and its org installations; workflow
 * jobs and re-runs are ./workflow_jobs.ts, tokens and rate limits
 * ./installations.ts.
 */
import { z } from "zod";
import { ConflictError, UpstreamError } from "../../shared/errors.ts";
import type { JobFacts } from "../../shared/schema/edge_core.ts";
import {
  type GitHub,
  type HookDelivery,
  type JitConfig,
  type JitConfigRequest,
  type RepoRef,
  type RunnerRef,
  RunnerRefusedError,
  type RunnerRemoval,
  type RunnerScope,
} from "./github.ts";
import { isRefusal, statusOf, upstream } from "./github_errors.ts";
import type { Logger } from "../log.ts";
import { Installations, type InstallationsOptions } from "./installations.ts";
import { WorkflowJobs } from "./workflow_jobs.ts";

const DeliveryItem = z.object({
  id: z.number(),
  guid: z.string(),
  delivered_at: z.string(),
  redelivery: z.boolean(),
  status_code: z.number(),
  event: z.string(),
  action: z.string().nullable(),
});

export class GitHubApp implements GitHub {
  readonly #installations: Installations;
  readonly #jobs: WorkflowJobs;
  readonly #log: Logger | null;

  constructor(options: InstallationsOptions) {
    this.#log = options.log ?? null;
    this.#installations = new Installations(options);
    this.#jobs = new WorkflowJobs(this.#installations);
  }

  rateRemaining(): number | null {
    return this.#installations.rateRemaining();
  }

  async generateJitConfig(request: JitConfigRequest): Promise<JitConfig> {
    const [owner, repo] = request.repoFullName.split("/");
    const body = {
      name: request.runnerName,
      labels: [...request.labels],
      work_folder: "_work",
      // Not sent: the throttle hook finds it here and tells the caller (Installations).
      request: { onRateLimited: request.onRateLimited },
    };
    try {
      return await this.#installations.asInstallation(request, async (octokit) => {
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
      return await this.#installations.asInstallation(ref, async (octokit) => {
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
      const pages = this.#installations.appOctokit.paginate.iterator(
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
      await this.#installations.appOctokit.request(
        "POST /app/hook/deliveries/{delivery_id}/attempts",
        {
          delivery_id: deliveryId,
        },
      );
    } catch (cause) {
      throw upstream(`GitHub redeliver webhook delivery ${deliveryId}`, cause);
    }
  }

  async reposOfOrg(org: string): Promise<string[]> {
    try {
      const { data: installation } = await this.#installations.appOctokit.request(
        "GET /orgs/{org}/installation",
        { org },
      );
      const octokit = await this.#installations.octokitOf(installation.id);
      const repositories = await octokit.paginate("GET /installation/repositories", {
        per_page: 100,
      });
      const names = repositories.map((repository) => repository.full_name);
      // Each listed repo's installation is known now: its job listings skip the lookup.
      for (const name of names) this.#installations.remember(name, installation.id);
      return names;
    } catch (cause) {
      throw upstream(`GitHub list repositories of ${org}`, cause);
    }
  }

  queuedJobs(ref: RepoRef): Promise<JobFacts[]> {
    return this.#jobs.queuedJobs(ref);
  }

  job(ref: RepoRef, githubJobId: number): Promise<JobFacts | null> {
    return this.#jobs.job(ref, githubJobId);
  }

  jobsOfRun(ref: RepoRef, runId: number): Promise<JobFacts[]> {
    return this.#jobs.jobsOfRun(ref, runId);
  }

  rerunJob(ref: RepoRef, githubJobId: number): Promise<"rerun" | "refused"> {
    return this.#jobs.rerunJob(ref, githubJobId);
  }

  workflowRun(
    ref: RepoRef,
    runId: number,
  ): Promise<{ status: string; conclusion: string | null } | null> {
    return this.#jobs.workflowRun(ref, runId);
  }

  rerunFailedJobs(ref: RepoRef, runId: number): Promise<"rerun" | "refused"> {
    return this.#jobs.rerunFailedJobs(ref, runId);
  }
}
