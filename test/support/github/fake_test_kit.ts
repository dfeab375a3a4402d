/** What the GitHub fake's own tests share: a fresh fake with an App over it, and small helpers. */
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { type GithubFake, startGithubFake } from "./fake.ts";

/** Run `body` against a fresh fake (its own key pair and free port), closed afterwards. */
export async function withFake(
  options: Parameters<typeof startGithubFake>[0],
  body: (fake: GithubFake, app: App) => Promise<void>,
): Promise<void> {
  const fake = await startGithubFake(options);
  try {
    const app = new App({
      appId: fake.appId,
      privateKey: fake.privateKeyPem,
      Octokit: Octokit.defaults({ baseUrl: fake.url }),
    });
    await body(fake, app);
  } finally {
    await fake.close();
  }
}

/** The HTTP status of a rejected Octokit request. */
export async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
  } catch (error) {
    return (error as { status: number }).status;
  }
  throw new Error("expected the request to fail");
}

/** A `generate-jitconfig` body for a runner named `name`. */
export const jitBody = (name: string) => ({
  name,
  runner_group_id: 1,
  labels: ["self-hosted", "linux", "gantry-pool-default"],
  work_folder: "_work",
});
