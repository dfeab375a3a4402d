import type { DurableObjectNamespace, Fetcher } from "cloudflare:workers";
import type { JobQueue } from "./queue/job_queue.ts";

/** The Worker's bindings: secrets and vars (wrangler.toml, .dev.vars) and the queue object. */
export interface Env {
  JOB_QUEUE: DurableObjectNamespace<JobQueue>;
  /** Console static assets, when built. */
  ASSETS?: Fetcher;
  /** HMAC secret of GitHub webhooks. */
  GITHUB_WEBHOOK_SECRET: string;
  /** The secret being rotated out; accepted until removed. */
  GITHUB_WEBHOOK_SECRET_PREVIOUS?: string;
  /** JSON JWK set (`{"keys":[…]}`) of the Ed25519 public keys of cores allowed to lease. */
  CORE_PUBLIC_KEYS: string;
  /** Secret that signs console sessions (HS256). */
  SESSION_SECRET: string;
  /** libSQL the console reads: `https://…` (Turso/sqld) or `http://127.0.0.1:…` locally. */
  LIBSQL_URL: string;
  LIBSQL_AUTH_TOKEN?: string;
  /** Largest webhook body accepted, in bytes (default 1 MiB). */
  WEBHOOK_MAX_BYTES?: string;
}

/** Hono's environment type for this Worker. */
export interface AppEnv {
  Bindings: Env;
  Variables: { coreId: string; operator: { sub: string; role: "viewer" | "admin" } };
}
