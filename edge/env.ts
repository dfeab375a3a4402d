import type { DurableObjectNamespace, Fetcher } from "cloudflare:workers";
import type { LoginThrottle } from "./auth/login_throttle.ts";
import type { JobQueue } from "./queue/job_queue.ts";
import type { RunnerVault } from "./runner/runner_vault.ts";
import type { SessionRevocations } from "./auth/session_revocations.ts";

/** The Worker's bindings: secrets and vars (wrangler.toml, .dev.vars) and the queue object. */
export interface Env {
  JOB_QUEUE: DurableObjectNamespace<JobQueue>;
  /** Counts console sign-in failures per IP and per account. */
  LOGIN_THROTTLE: DurableObjectNamespace<LoginThrottle>;
  /** Signed-out console sessions, one object per operator. */
  SESSION_REVOCATIONS: DurableObjectNamespace<SessionRevocations>;
  RUNNER_VAULT: DurableObjectNamespace<RunnerVault>;
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
  /** Console session lifetime in seconds (default 8 h). */
  SESSION_TTL_SECONDS?: string;
  /** One-time secret that creates the first admin while no user exists; unset disables it. */
  BOOTSTRAP_TOKEN?: string;
  /** Sign-in failures allowed per account, per IP, and the window they count in. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT?: string;
  LOGIN_MAX_FAILURES_PER_IP?: string;
  LOGIN_WINDOW_SECONDS?: string;
  /** OIDC issuer and client; when both are set the sign-in page offers SSO. */
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  /** Unset for a public client (PKCE only). */
  OIDC_CLIENT_SECRET?: string;
  /** Defaults to this edge's `/api/v1/auth/oidc/callback`. */
  OIDC_REDIRECT_URI?: string;
  /** Space- or comma-separated; default `openid email profile`. */
  OIDC_SCOPES?: string;
  /** The ID token claim listing groups (default `groups`). */
  OIDC_GROUPS_CLAIM?: string;
  /** SSO allowlists (comma-separated); at least one is required. See edge/auth/sso_access.ts. */
  OIDC_ALLOWED_DOMAINS?: string;
  OIDC_ALLOWED_EMAILS?: string;
  OIDC_ALLOWED_GROUPS?: string;
  /** SSO users in these groups, or with these emails, are admins; others viewers. */
  OIDC_ADMIN_GROUPS?: string;
  OIDC_ADMIN_EMAILS?: string;
  /** `true`: accept an SSO ID token without `email_verified` (a provider that never sends it). */
  OIDC_ALLOW_UNVERIFIED_EMAILS?: string;
  /**
   * `true`: no sign-in; every request that proves it came through the
   * authenticating proxy (Access JWT or PROXY_SECRET) is an admin.
   */
  AUTH_DISABLED?: string;
  /** Cloudflare Access team domain (`myteam.cloudflareaccess.com`); with ACCESS_AUD, proof for AUTH_DISABLED. */
  ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's AUD tag. */
  ACCESS_AUD?: string;
  /** Where the Access signing keys are; default `https://<ACCESS_TEAM_DOMAIN>/cdn-cgi/access/certs` (tests: loopback). */
  ACCESS_CERTS_URL?: string;
  /** Shared secret a proxy sends as `X-Gantry-Proxy-Secret` (≥ 32 characters); proof for AUTH_DISABLED. */
  PROXY_SECRET?: string;
  /** GitHub's web origin, for job links: `https://github.com` (default) or your GHES host. */
  GITHUB_SERVER_URL?: string;
  /** "true" when AWS and GitHub are emulated (`deno task dev`); the console shows it. */
  SIMULATED?: string;
  /** libSQL the console reads: `https://…` (Turso/sqld) or `http://127.0.0.1:…` locally. */
  LIBSQL_URL: string;
  LIBSQL_AUTH_TOKEN?: string;
  /**
   * AWS's RSA certificates for EC2 instance identity signatures, as JSON
   * `{"<region>": "-----BEGIN CERTIFICATE-----…"}` for every region runners
   * launch in; `off` skips the check (simulated stacks only). Unset: no
   * runner config is handed out.
   */
  INSTANCE_IDENTITY_CERTIFICATES?: string;
  /** AES-256 key (32 bytes, base64) sealing runner JIT configs at rest. */
  RUNNER_CONFIG_KEY: string;
  /** Bearer token for Prometheus scrapes of /metrics (optional; sessions work too). */
  METRICS_TOKEN?: string;
  /** Largest webhook body accepted, in bytes (default 1 MiB). */
  WEBHOOK_MAX_BYTES?: string;
  /** `true`: log one line per accepted webhook (delivery and correlation ids). Default off. */
  LOG_ACCEPTED_WEBHOOKS?: string;
  /** Queue Durable Objects events are spread over by installation (default 1, at most 64). */
  QUEUE_SHARDS?: string;
  /** Tests only: an ISO instant the stats and month routes, the sign-in throttle and the queue's recorded instants take as now (edge/clock.ts). */
  CLOCK_FIXED_AT?: string;
}

/** Hono's environment type for this Worker. */
export interface AppEnv {
  Bindings: Env;
  Variables: { coreId: string; operator: Operator };
}

/** The signed-in operator, from a verified session. */
export interface Operator {
  sub: string;
  role: "viewer" | "admin";
  email: string | null;
  /** When the session ends, epoch ms. */
  expiresAt: number;
}
