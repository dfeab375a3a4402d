/**
 * The GitHub App's Octokits: the App's own, and one per installation, whose
 * token @octokit/auth-app caches until a minute before GitHub's one-hour
 * expiry. Rate limits and transient failures are handled in one place,
 * Octokit's throttling and retry plugins; a token GitHub rejects early
 * (revoked, rotated key) is refreshed once and the call retried.
 */
import { App } from "@octokit/app";
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import type { Logger } from "../log.ts";
import type { CallMetrics } from "../metrics/core_metrics.ts";
import type { RepoRef } from "./github.ts";
import { statusOf } from "./github_errors.ts";

const HardenedOctokit = Octokit.plugin(throttling, retry, paginateRest);
export type HardenedOctokit = InstanceType<typeof HardenedOctokit>;

/** GitHub's secondary rate limit: 900 points a minute, 5 points per write. */
const DEFAULT_WRITES_PER_SECOND = 3;

/** Throttle-plugin retries per request before a rate-limited call fails. */
const RATE_LIMIT_RETRIES = 2;

export interface InstallationsOptions {
  appId: number;
  privateKey: string;
  apiUrl: string;
  log?: Logger;
  retries?: number;
  /** Writes (POST, DELETE) per second; GitHub's secondary limit allows about 3 (900 points/min, 5 per write). */
  writesPerSecond?: number;
  /** Counts calls and rate-limit hits. */
  metrics?: CallMetrics;
}

/** A request whose caller asked to hear of its rate limits (`JitConfigRequest.onRateLimited`). */
interface RateLimitedRequest {
  request?: { onRateLimited?: () => void };
}

export class Installations {
  #app: App;
  #log: Logger | null;
  #installations = new Map<number, Promise<HardenedOctokit>>();
  #installationOfRepo = new Map<string, number>();
  #rateRemaining = new Map<string, number>();
  #metrics: CallMetrics | null;

  constructor(options: InstallationsOptions) {
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
      (request as RateLimitedRequest).request?.onRateLimited?.();
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

  /** The App's own Octokit (App-level routes: its hook deliveries, its installations). */
  get appOctokit(): HardenedOctokit {
    return this.#app.octokit as HardenedOctokit;
  }

  /** The fewest API calls left in any rate-limit window seen lately; null before the first call. */
  rateRemaining(): number | null {
    return this.#rateRemaining.size === 0 ? null : Math.min(...this.#rateRemaining.values());
  }

  /** Records which installation sees `repoFullName`, so its calls skip the lookup. */
  remember(repoFullName: string, installationId: number): void {
    this.#installationOfRepo.set(repoFullName.toLowerCase(), installationId);
  }

  /**
   * Runs `call` with the installation's Octokit. A 401 means the cached token
   * died before its time: fetch a fresh one and try once more.
   */
  async asInstallation<T>(
    ref: RepoRef,
    call: (octokit: HardenedOctokit, installationId: number) => Promise<T>,
  ): Promise<T> {
    const installationId = ref.installationId ?? await this.#installationOf(ref.repoFullName);
    const octokit = await this.octokitOf(installationId);
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

  octokitOf(installationId: number): Promise<HardenedOctokit> {
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
    const known = this.#installationOfRepo.get(repoFullName.toLowerCase());
    if (known !== undefined) return known;
    const [owner, repo] = repoFullName.split("/");
    const { data } = await this.#app.octokit.request("GET /repos/{owner}/{repo}/installation", {
      owner,
      repo,
    });
    this.remember(repoFullName, data.id);
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
