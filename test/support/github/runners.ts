/**
 * Self-hosted runners registered through just-in-time configuration, per scope
 * (a repository or an organisation). Names are unique within a scope, as on
 * GitHub; a JIT runner starts offline and idle until a test says otherwise.
 *
 * @module
 */
import type { components } from "@octokit/openapi-types";
import { Buffer } from "node:buffer";
import { z } from "zod";

/** A self-hosted runner. */
export type Runner = components["schemas"]["runner"];
/** A runner label with its kind. */
export type RunnerLabel = components["schemas"]["runner-label"];

/** Where a runner is registered: a repository (`repo` set) or an organisation. */
export interface RunnerScope {
  owner: string;
  repo: string | null;
}

/** A runner together with where and how it was registered. */
export interface RegisteredRunner {
  scope: RunnerScope;
  runner: Runner;
  workFolder: string;
  encodedJitConfig: string;
  registeredAt: number;
}

/** Body of `POST .../actions/runners/generate-jitconfig`. */
export const JitConfigRequest = z.object({
  name: z.string().min(1).max(64),
  runner_group_id: z.number().int().positive(),
  labels: z.array(z.string().min(1)).min(1).max(100),
  work_folder: z.string().min(1).optional(),
});
export type JitConfigRequest = z.infer<typeof JitConfigRequest>;

/** What a runner binary would find in its decoded JIT config (the files it writes). */
export interface DecodedJitConfig {
  runner: {
    AgentId: number;
    AgentName: string;
    PoolId: number;
    ServerUrl: string;
    GitHubUrl: string;
    WorkFolder: string;
    Labels: string[];
  };
  credentials: { Scheme: string; Data: Record<string, string> };
}

const toBase64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
const fromBase64 = (text: string) => JSON.parse(Buffer.from(text, "base64").toString("utf8"));

/** Decode an `encoded_jit_config` from the fake, as the runner binary would. */
export function decodeJitConfig(encoded: string): DecodedJitConfig {
  const files = fromBase64(encoded) as Record<string, string>;
  return { runner: fromBase64(files[".runner"]), credentials: fromBase64(files[".credentials"]) };
}

const sameScope = (a: RunnerScope, b: RunnerScope) =>
  a.owner.toLowerCase() === b.owner.toLowerCase() &&
  (a.repo ?? "").toLowerCase() === (b.repo ?? "").toLowerCase();

/** Why a runner could not be removed. */
export type RemoveOutcome = "removed" | "not_found" | "busy";

/** Every runner the fake knows. */
export class RunnerRegistry {
  readonly #runners = new Map<number, RegisteredRunner>();
  readonly #labelIds = new Map<string, number>();
  #nextId = 1;

  /** Register a JIT runner; null when the name is taken in that scope. */
  register(scope: RunnerScope, request: JitConfigRequest): RegisteredRunner | null {
    const isTaken = [...this.#runners.values()].some((registered) =>
      sameScope(registered.scope, scope) &&
      registered.runner.name.toLowerCase() === request.name.toLowerCase()
    );
    if (isTaken) return null;
    const id = this.#nextId++;
    const custom = [...new Set(request.labels)].filter((name) => name !== "self-hosted");
    const labels: RunnerLabel[] = [
      { id: this.#labelId("self-hosted"), name: "self-hosted", type: "read-only" },
      ...custom.map((name) => ({ id: this.#labelId(name), name, type: "custom" as const })),
    ];
    const runner: Runner = {
      id,
      runner_group_id: request.runner_group_id,
      name: request.name,
      os: "unknown",
      status: "offline",
      busy: false,
      labels,
      ephemeral: true,
    };
    const workFolder = request.work_folder ?? "_work";
    const githubUrl = `https://github.com/${scope.owner}${
      scope.repo === null ? "" : `/${scope.repo}`
    }`;
    const encodedJitConfig = toBase64({
      ".runner": toBase64({
        AgentId: id,
        AgentName: request.name,
        PoolId: request.runner_group_id,
        ServerUrl: `https://pipelines.actions.githubusercontent.com/fake-${id}`,
        GitHubUrl: githubUrl,
        WorkFolder: workFolder,
        Labels: labels.map((label) => label.name),
      }),
      ".credentials": toBase64({
        Scheme: "OAuthAccessToken",
        Data: {
          ClientId: crypto.randomUUID(),
          AuthorizationUrl: "https://vstoken.actions.githubusercontent.com/fake",
        },
      }),
      ".credentials_rsaparams": toBase64({ note: "fake key material" }),
    });
    const registered = { scope, runner, workFolder, encodedJitConfig, registeredAt: Date.now() };
    this.#runners.set(id, registered);
    return registered;
  }

  /** Runners of `scope`, optionally only the one called `name`. */
  list(scope: RunnerScope, name?: string): Runner[] {
    return [...this.#runners.values()]
      .filter((registered) => sameScope(registered.scope, scope))
      .filter((registered) => name === undefined || registered.runner.name === name)
      .map((registered) => registered.runner);
  }

  /** Runner `id` if it is registered in `scope`. */
  get(scope: RunnerScope, id: number): Runner | undefined {
    const registered = this.#runners.get(id);
    return registered !== undefined && sameScope(registered.scope, scope)
      ? registered.runner
      : undefined;
  }

  /** Remove runner `id` from `scope`; GitHub refuses while it runs a job. */
  remove(scope: RunnerScope, id: number): RemoveOutcome {
    const runner = this.get(scope, id);
    if (runner === undefined) return "not_found";
    if (runner.busy) return "busy";
    this.#runners.delete(id);
    return "removed";
  }

  /** Change what GitHub would report about a runner (online, busy, os). */
  update(id: number, patch: Partial<Pick<Runner, "status" | "busy" | "os">>): Runner {
    const registered = this.#runners.get(id);
    if (registered === undefined) throw new Error(`no runner ${id}`);
    Object.assign(registered.runner, patch);
    return registered.runner;
  }

  /** Every registered runner with its scope, oldest first. */
  all(): RegisteredRunner[] {
    return [...this.#runners.values()];
  }

  #labelId(name: string): number {
    const key = name.toLowerCase();
    let id = this.#labelIds.get(key);
    if (id === undefined) {
      id = this.#labelIds.size + 1;
      this.#labelIds.set(key, id);
    }
    return id;
  }
}
