/**
 * Workflow jobs and runs through the GitHub App: what GitHub has queued, one
 * job or run as GitHub sees it now, and re-runs (spot interruptions, retries).
 */
import type { JobFacts } from "../../shared/schema/edge_core.ts";
import type { RepoRef } from "./github.ts";
import { isRefusal, statusOf, upstream } from "./github_errors.ts";
import type { HardenedOctokit, Installations } from "./installations.ts";
import { jobFactsOf } from "./job_facts.ts";

export class WorkflowJobs {
  readonly #installations: Installations;

  constructor(installations: Installations) {
    this.#installations = installations;
  }

  async queuedJobs(
    ref: RepoRef,
  ): Promise<JobFacts[]> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#installations.asInstallation(ref, async (octokit, installationId) => {
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
    ref: RepoRef,
    githubJobId: number,
  ): Promise<JobFacts | null> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#installations.asInstallation(ref, async (octokit, installationId) => {
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
    ref: RepoRef,
    runId: number,
  ): Promise<JobFacts[]> {
    try {
      return await this.#installations.asInstallation(ref, async (octokit, installationId) => {
        const jobs = await this.#jobsOfRun(octokit, ref.repoFullName, runId);
        return jobs.map((job) => jobFactsOf(job, { ...ref, installationId }));
      });
    } catch (cause) {
      throw upstream(`GitHub list jobs of run ${runId} of ${ref.repoFullName}`, cause);
    }
  }

  async rerunJob(
    ref: RepoRef,
    githubJobId: number,
  ): Promise<"rerun" | "refused"> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#installations.asInstallation(ref, async (octokit) => {
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
    ref: RepoRef,
    runId: number,
  ): Promise<{ status: string; conclusion: string | null } | null> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#installations.asInstallation(ref, async (octokit) => {
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
    ref: RepoRef,
    runId: number,
  ): Promise<"rerun" | "refused"> {
    const [owner, repo] = ref.repoFullName.split("/");
    try {
      return await this.#installations.asInstallation(ref, async (octokit) => {
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
}
