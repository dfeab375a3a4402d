/**
 * A fake {@link ApiClient} for model tests: every method refuses unless the
 * test supplies it, and every call is recorded.
 *
 * @module
 */
import type { JobView } from "../../shared/schema/api.ts";
import { type ApiClient, ApiError } from "./client.ts";

/** A fake client and the calls made to it. */
export function fakeApi(methods: Partial<ApiClient>): ApiClient & { calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const refuse = (name: string) => () =>
    Promise.reject(new ApiError(501, "fake", `${name} not faked`));
  const names: (keyof ApiClient)[] = [
    "authOptions",
    "me",
    "login",
    "logout",
    "overview",
    "jobs",
    "job",
  ];
  const client = { calls } as ApiClient & { calls: [string, unknown[]][] };
  for (const name of names) {
    const method = (methods[name] ?? refuse(name)) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push([name, args]);
      return method(...args);
    };
  }
  return client;
}

/** A job as the list returns it, with `overrides`. */
export function jobView(overrides: Partial<JobView> & { id: string }): JobView {
  return {
    githubJobId: Number(overrides.id),
    runId: 1,
    runAttempt: 1,
    repoFullName: "octocat/hello-world",
    workflowName: "CI",
    jobName: "test",
    branch: "main",
    sha: "abc",
    sender: "octocat",
    labels: ["self-hosted"],
    state: "queued",
    project: "my-app",
    pool: "small",
    instanceId: null,
    instanceType: null,
    isSpot: null,
    priceUsdPerHour: null,
    costUsd: null,
    failureReason: null,
    queuedAt: 1_000,
    launchedAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: 1_000,
    ...overrides,
  };
}
