/**
 * GitHub through the Gantry GitHub App: installation tokens (cached by
 * @octokit/auth-app until near expiry) and just-in-time runner configs.
 */
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { ConflictError, UpstreamError } from "../../shared/errors.ts";

export interface JitConfigRequest {
  repoFullName: string;
  /** From the webhook; looked up from the repo when absent. */
  installationId: number | null;
  runnerName: string;
  labels: readonly string[];
}

export interface JitConfig {
  runnerId: number;
  encodedJitConfig: string;
}

/** What the scheduler needs from GitHub. */
export interface GitHub {
  generateJitConfig(request: JitConfigRequest): Promise<JitConfig>;
}

export class GitHubApp implements GitHub {
  #app: App;

  constructor(options: { appId: number; privateKey: string; apiUrl: string }) {
    this.#app = new App({
      appId: options.appId,
      privateKey: options.privateKey,
      Octokit: Octokit.defaults({ baseUrl: options.apiUrl }),
    });
  }

  async generateJitConfig(request: JitConfigRequest): Promise<JitConfig> {
    const [owner, repo] = request.repoFullName.split("/");
    try {
      const installationId = request.installationId ??
        (await this.#app.octokit.request("GET /repos/{owner}/{repo}/installation", { owner, repo }))
          .data.id;
      const octokit = await this.#app.getInstallationOctokit(installationId);
      const { data } = await octokit.request(
        "POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig",
        {
          owner,
          repo,
          name: request.runnerName,
          runner_group_id: 1,
          labels: [...request.labels],
          work_folder: "_work",
        },
      );
      return { runnerId: data.runner.id, encodedJitConfig: data.encoded_jit_config };
    } catch (cause) {
      const status = (cause as { status?: number }).status;
      const message = `GitHub generate-jitconfig for ${request.repoFullName} failed` +
        (status ? ` (HTTP ${status})` : "");
      if (status === 409) throw new ConflictError(`${message}: runner name taken`, { cause });
      throw new UpstreamError(message, { cause });
    }
  }
}
