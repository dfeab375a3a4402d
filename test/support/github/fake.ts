/**
 * An HTTP fake of the GitHub REST API, as far as Gantry's core uses it through
 * `@octokit/app`: app and installation auth, JIT runner registration, runner
 * listing and removal, workflow jobs and runs, job re-runs and webhook
 * redelivery. Point Octokit at it with `Octokit.defaults({ baseUrl: fake.url })`.
 *
 * Every API call is recorded (`fake.calls`). Test control lives under
 * `/_github/` so a fake in another process can be driven too:
 * - `GET /_github/calls`, `DELETE /_github/calls`
 * - `POST /_github/jobs` (a {@link JobSeed}) → 201 job; `PATCH /_github/jobs/{id}`
 * - `GET /_github/runners`; `PATCH /_github/runners/{id}` `{ status, busy, os }`
 * - `POST /_github/deliveries` (a {@link DeliverySeed}) → 201 delivery
 * - `POST /_github/tokens/expire` → every installation token stops working
 * - `POST /_github/rate-limit` (a {@link RateLimitFault}) → the next calls are refused
 * - `POST /_github/assign` → queued jobs go to fitting idle runners (see assignment.ts)
 *
 * GitHub's rules it keeps: 404 for what a token cannot see, 403 "Resource not
 * accessible by integration" for a permission the installation lacks or an org
 * policy that disables self-hosted runners for a repository, 409 for a runner
 * name taken, 422 for removing a busy runner, re-runs refused (403) while the
 * run is in progress and for a job of a reusable workflow, and (when
 * `secondaryPointsPerMinute` is set) the secondary rate limit.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { generateAppKeys, InstallationTokens } from "./app_auth.ts";
import { DeliveryLog, type DeliverySeed, type HookDelivery } from "./deliveries.ts";
import { actionsRoutes } from "./actions_routes.ts";
import { appRoutes } from "./app_routes.ts";
import { type Assignment, assignQueuedJobs } from "./assignment.ts";
import { type RateLimitFault, RateLimits, SecondaryLimit } from "./rate_limits.ts";
import { githubError } from "./rest.ts";
import type { GithubState, InstallationConfig } from "./state.ts";
import { type RegisteredRunner, type Runner, RunnerRegistry } from "./runners.ts";
import { type JobSeed, type WorkflowJob, WorkflowStore } from "./workflows.ts";

export type {
  Assignment,
  DeliverySeed,
  HookDelivery,
  InstallationConfig,
  JobSeed,
  RateLimitFault,
  RegisteredRunner,
  Runner,
  WorkflowJob,
};

/** One API call as the fake saw and answered it. */
export interface RecordedCall {
  method: string;
  /** Path without the query string, e.g. `/repos/acme/web/actions/runners/generate-jitconfig`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or null. */
  body: unknown;
  status: number;
  /** Parsed JSON response body, or null (204). */
  response: unknown;
  /** Epoch milliseconds when the call arrived. */
  at: number;
}

/** How to start a {@link GithubFake}. */
export interface GithubFakeOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  hostname?: string;
  /** The app id the JWT `iss` must carry; default 424242. */
  appId?: number;
  /** Installations of the app; default one on `acme` covering all its repositories. */
  installations?: InstallationConfig[];
  /**
   * Hand queued jobs to fitting online idle runners after every call, as
   * GitHub does. Off by default: the dev simulator plays that part itself.
   */
  assignJobs?: boolean;
  /** GitHub's secondary rate limit per endpoint (GitHub allows 900); default none. */
  secondaryPointsPerMinute?: number;
  /** The fake's clock for rate limits and assignment; default `Date.now`. */
  now?: () => number;
}

/** A running fake. */
export interface GithubFake {
  /** Base URL for Octokit's `baseUrl`, e.g. `http://127.0.0.1:3000`. */
  url: string;
  port: number;
  appId: number;
  clientId: string;
  /** The app's private key, PKCS#8 PEM, for `new App({ privateKey })`. */
  privateKeyPem: string;
  installations: readonly InstallationConfig[];
  /** Every API call so far, oldest first (control calls excluded). */
  calls: RecordedCall[];
  /** Seeded workflow jobs by id. */
  jobs: Map<number, WorkflowJob>;
  /** Seed a workflow job; the run it names appears in the runs list. */
  addJob(seed: JobSeed): WorkflowJob;
  /** Change a seeded job (status, conclusion, runner_name…). */
  updateJob(id: number, patch: Partial<WorkflowJob>): WorkflowJob;
  /** Runners registered through JIT config, with their scope. */
  runners(): RegisteredRunner[];
  /** Change what GitHub reports about a runner (say it came online or is busy). */
  updateRunner(id: number, patch: Partial<Pick<Runner, "status" | "busy" | "os">>): Runner;
  /** Seed a webhook delivery (default: a failed `workflow_job` delivery). */
  addDelivery(seed?: DeliverySeed): HookDelivery;
  /** The delivery log, newest first, redeliveries included. */
  deliveries(): HookDelivery[];
  /** Expire installation tokens (all, or one installation's) so clients must fetch new ones. */
  expireTokens(installationId?: number): void;
  /** Refuse the next API calls with GitHub's primary or secondary rate-limit answer. */
  rateLimit(fault: RateLimitFault): void;
  /** Give queued jobs to fitting online idle runners now; returns the assignments. */
  assignJobs(): Assignment[];
  close(): Promise<void>;
}

const DEFAULT_INSTALLATIONS: InstallationConfig[] = [{ id: 1001, account: "acme" }];

function parseJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    return { unparsed: text, error: (error as Error).message };
  }
}

const RunnerPatch = z.object({
  status: z.enum(["online", "offline"]).optional(),
  busy: z.boolean().optional(),
  os: z.string().optional(),
});
const RateLimitBody = z.object({
  kind: z.enum(["primary", "secondary"]),
  count: z.int().positive(),
  resetInSeconds: z.number().nonnegative().optional(),
});
const JobSeedBody = z.looseObject({ repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/) });

/** Start the fake; resolves once it is listening. Generates a fresh app key pair. */
export async function startGithubFake(options: GithubFakeOptions = {}): Promise<GithubFake> {
  let url = "";
  const appId = options.appId ?? 424242;
  const state: GithubState = {
    appId,
    clientId: `Iv23li${appId.toString(16).padStart(10, "0")}`,
    slug: "gantry-test",
    keys: await generateAppKeys(),
    installations: options.installations ?? DEFAULT_INSTALLATIONS,
    tokens: new InstallationTokens(),
    workflows: new WorkflowStore(() => url),
    runners: new RunnerRegistry(),
    deliveries: new DeliveryLog(),
    apiUrl: () => url,
  };
  const calls: RecordedCall[] = [];
  const rateLimits = new RateLimits();
  const now = options.now ?? Date.now;
  const secondary = options.secondaryPointsPerMinute === undefined
    ? undefined
    : new SecondaryLimit(options.secondaryPointsPerMinute, now);
  const assignJobs = () =>
    assignQueuedJobs(state.workflows.withRepos(), state.runners.all(), now());
  const assignIfOn = () => {
    if (options.assignJobs === true) assignJobs();
  };

  const control = new Hono()
    .get("/calls", (c) => c.json(calls))
    .delete("/calls", (c) => {
      calls.length = 0;
      return c.body(null, 204);
    })
    .post("/jobs", async (c) => {
      const parsed = JobSeedBody.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) return githubError(422, 'A job seed needs "repo": "owner/name"');
      return c.json(state.workflows.addJob(parsed.data as JobSeed), 201);
    })
    .patch("/jobs/:id", async (c) => {
      const id = Number(c.req.param("id"));
      if (!state.workflows.jobs.has(id)) return githubError(404, `No job ${id}`);
      const patch = await c.req.json().catch(() => ({}));
      return c.json(state.workflows.updateJob(id, patch as Partial<WorkflowJob>));
    })
    .get("/runners", (c) => c.json(state.runners.all()))
    .patch("/runners/:id", async (c) => {
      const parsed = RunnerPatch.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) return githubError(422, "Expected { status?, busy?, os? }");
      const id = Number(c.req.param("id"));
      if (!state.runners.all().some((r) => r.runner.id === id)) {
        return githubError(404, `No runner ${id}`);
      }
      return c.json(state.runners.update(id, parsed.data));
    })
    .post("/deliveries", async (c) => {
      const seed = await c.req.json().catch(() => ({}));
      return c.json(state.deliveries.add(seed as DeliverySeed), 201);
    })
    .post("/tokens/expire", (c) => {
      state.tokens.expireAll();
      return c.body(null, 204);
    })
    .post("/rate-limit", async (c) => {
      const fault = RateLimitBody.safeParse(await c.req.json().catch(() => undefined));
      if (!fault.success) return githubError(422, z.prettifyError(fault.error));
      rateLimits.add(fault.data);
      return c.body(null, 204);
    })
    .post("/assign", (c) => c.json(assignJobs()));

  const app = new Hono();
  app.onError((error) => {
    console.error("GitHub fake: unexpected error", error);
    return githubError(500, "Server Error");
  });
  // Whatever a call changed (a job queued, a runner online or idle), GitHub assigns at once.
  app.use("*", async (_c, next) => {
    await next();
    assignIfOn();
  });
  app.route("/_github", control);
  app.use("*", async (c, next) => {
    const at = Date.now();
    // HonoRequest caches the body, so handlers can still read it after this.
    const body = c.req.method === "GET" || c.req.method === "DELETE"
      ? null
      : parseJson(await c.req.text());
    const refusal = rateLimits.refusal(at) ??
      secondary?.spend(c.req.method, new URL(c.req.url).pathname);
    if (refusal) c.res = refusal;
    else {
      await next();
      c.header("x-ratelimit-limit", "5000");
      c.header("x-ratelimit-remaining", String(Math.max(5000 - calls.length - 1, 0)));
      c.header("x-ratelimit-used", String(calls.length + 1));
      c.header("x-ratelimit-reset", String(Math.floor(at / 1000) + 3600));
      c.header("x-ratelimit-resource", "core");
    }
    c.header("x-github-api-version-selected", "2022-11-28");
    c.header("x-github-media-type", "github.v3; format=json");
    c.header("x-github-request-id", crypto.randomUUID().toUpperCase());
    const url = new URL(c.req.url);
    calls.push({
      method: c.req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      status: c.res.status,
      response: c.res.status === 204 ? null : parseJson(await c.res.clone().text()),
      at,
    });
  });
  app.route("/", appRoutes(state));
  app.route("/", actionsRoutes(state));
  app.notFound(() => githubError(404, "Not Found"));

  const hostname = options.hostname ?? "127.0.0.1";
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { port: options.port ?? 0, hostname, onListen: (addr) => resolve(addr as Deno.NetAddr) },
    app.fetch,
  );
  const addr = await listening;
  url = `http://${
    hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname
  }:${addr.port}`;

  return {
    url,
    port: addr.port,
    appId,
    clientId: state.clientId,
    privateKeyPem: state.keys.privateKeyPem,
    installations: state.installations,
    calls,
    jobs: state.workflows.jobs,
    addJob: (seed) => {
      const job = state.workflows.addJob(seed);
      assignIfOn();
      return job;
    },
    updateJob: (id, patch) => {
      const job = state.workflows.updateJob(id, patch);
      assignIfOn();
      return job;
    },
    runners: () => state.runners.all(),
    updateRunner: (id, patch) => {
      const runner = state.runners.update(id, patch);
      assignIfOn();
      return runner;
    },
    addDelivery: (seed) => state.deliveries.add(seed),
    deliveries: () => state.deliveries.list(),
    expireTokens: (installationId) => state.tokens.expireAll(installationId),
    rateLimit: (fault) => rateLimits.add(fault),
    assignJobs,
    close: () => server.shutdown(),
  };
}
