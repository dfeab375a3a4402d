/**
 * Plays the runner bootstrap (core/runner/user_data.ts) on an emulated
 * instance: reads the edge URL and runner token from the instance's user
 * data, reports its lifecycle to `POST /runner/v1/event`, and fetches its JIT
 * config once from `POST /runner/v1/config`, as the real script does with curl.
 *
 * What an instance presents to the edge (token, body) is built in
 * {@link credentialsOf} and {@link configRequestOf} only, so a change to the
 * runner token's shape is a change here.
 *
 * @module
 */
import { z } from "zod";
import type { RunnerEventKind } from "../../shared/schema/runner.ts";
import type { EmulatedInstance } from "../../test/support/ec2/emulator.ts";
import { decodeJitConfig } from "../../test/support/github/runners.ts";

/** What the instance calls the edge back with. */
export interface RunnerCredentials {
  edgeUrl: string;
  /** Bearer token for `/runner/v1/*`. */
  token: string;
  /** The instance's own id (IMDS `meta-data/instance-id` on a real instance). */
  instanceId: string;
  /** A stopped pool's instance: its first boot only prepares (`STANDBY` in the boot script). */
  isStandby: boolean;
}

/** The runner the JIT config registered, as the runner binary reads it. */
export interface RegisteredRunner {
  id: number;
  name: string;
  /** `owner/name` the runner is registered to. */
  repo: string;
  labels: string[];
}

/** The instance's boot script, decoded (EC2 keeps user data base64-encoded). */
export function userDataOf(instance: EmulatedInstance): string | null {
  if (!instance.userData) return null;
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(instance.userData), (c) => c.charCodeAt(0)),
    );
  } catch (error) {
    if (error instanceof DOMException) return null; // Not base64: not a Gantry runner.
    throw error;
  }
}

/** A `NAME='value'` assignment in the boot script, unquoted as bash would. */
function shellVariable(script: string, name: string): string | undefined {
  const match = new RegExp(`^${name}='((?:[^']|'"'"')*)'$`, "m").exec(script);
  return match?.[1].replaceAll(`'"'"'`, "'");
}

/** The credentials in a Gantry runner's user data, or null for any other instance. */
export function credentialsOf(instance: EmulatedInstance): RunnerCredentials | null {
  const script = userDataOf(instance);
  if (script === null) return null;
  const edgeUrl = shellVariable(script, "EDGE");
  const token = shellVariable(script, "TOKEN");
  if (!edgeUrl || !token) return null;
  return {
    edgeUrl,
    token,
    instanceId: instance.instanceId,
    isStandby: shellVariable(script, "STANDBY") === "1",
  };
}

/** The body of `POST /runner/v1/config`. */
export function configRequestOf(credentials: RunnerCredentials): Record<string, string> {
  return { instanceId: credentials.instanceId };
}

const ConfigResponse = z.object({ runnerName: z.string(), encodedJitConfig: z.string() });

/** The runner a JIT config registered, read as the runner binary reads it. */
export function registeredRunnerOf(encodedJitConfig: string): RegisteredRunner {
  const { runner } = decodeJitConfig(encodedJitConfig);
  return {
    id: runner.AgentId,
    name: runner.AgentName,
    repo: new URL(runner.GitHubUrl).pathname.replace(/^\//, ""),
    labels: runner.Labels,
  };
}

/** The edge refused an instance's call for good (a 4xx other than "retry shortly"). */
export class RunnerRefusedError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "RunnerRefusedError";
  }
}

/** One instance's runner, talking to the edge. */
export class RunnerAgent {
  readonly #signal?: AbortSignal;

  /** `signal` aborts calls in flight and retries (the workload is stopping). */
  constructor(readonly credentials: RunnerCredentials, options: { signal?: AbortSignal } = {}) {
    this.#signal = options.signal;
  }

  /** Reports a lifecycle event; the real script retries with `curl --retry 5` and moves on. */
  async report(kind: RunnerEventKind): Promise<void> {
    const body = { instanceId: this.credentials.instanceId, kind };
    for (let attempt = 1;; attempt++) {
      const response = await this.#post("/runner/v1/event", body);
      const text = await response.text();
      if (response.ok) return;
      // As the boot script's report(): 404 (not deposited yet) and 429 are retried too.
      const isRetried = response.status >= 500 || response.status === 404 ||
        response.status === 429;
      if (!isRetried || attempt >= 5 || this.#signal?.aborted) {
        throw new RunnerRefusedError(response.status, `${kind}: ${response.status} ${text}`);
      }
      await sleep(200 * attempt);
    }
  }

  /**
   * Fetches the JIT config, retrying while the edge answers 404 (the core
   * deposits it just after the launch returns), and decodes it.
   */
  async fetchConfig(waitMs: number): Promise<RegisteredRunner> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const response = await this.#post("/runner/v1/config", configRequestOf(this.credentials));
      if (response.ok) {
        const { encodedJitConfig } = ConfigResponse.parse(await response.json());
        return registeredRunnerOf(encodedJitConfig);
      }
      const text = await response.text();
      const isRetryable = response.status === 404 || response.status >= 500;
      if (!isRetryable || Date.now() > deadline || this.#signal?.aborted) {
        throw new RunnerRefusedError(response.status, `config: ${response.status} ${text}`);
      }
      await sleep(300);
    }
  }

  #post(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.credentials.edgeUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${this.credentials.token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
      signal: this.#signal,
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
