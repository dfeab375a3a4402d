/**
 * gantry-core: leases GitHub job events from the edge, launches a fresh EC2
 * runner per job, records everything in libSQL. Dials out only.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import { parseArgs } from "node:util";
import { InvalidError } from "../shared/errors.ts";
import { Ec2Provider } from "./providers/ec2/ec2_provider.ts";
import { PriceQuoter } from "./providers/ec2/pricing.ts";
import { loadConfig, type ResolvedConfig } from "./config/load_config.ts";
import { openBufferedDatabase } from "./db/database.ts";
import { seedProjects } from "./db/seed.ts";
import { LaunchQueries } from "./db/launch_queries.ts";
import { Store } from "./db/store.ts";
import { EdgeClient } from "./edge_client/edge_client.ts";
import { GitHubApp } from "./github/github_app.ts";
import { writeCoreKey } from "./keygen.ts";
import { createLogger, logSink } from "./log.ts";
import { JobEvents } from "./scheduler/job_events.ts";
import { Launcher } from "./scheduler/launcher.ts";
import { runLeaseLoop } from "./scheduler/lease_loop.ts";
import { runReaper } from "./scheduler/reaper.ts";
import { runWarmPool } from "./scheduler/warm_pool.ts";
import { runStoppedPool } from "./scheduler/stopped_pool.ts";
import { Reconciler, runReconciler } from "./reconcile/reconciler.ts";
import { VERSION } from "./version.ts";
import { LaunchGate } from "./control/launch_gate.ts";
import { runControlLoop } from "./control/control_loop.ts";
import { CoreMetrics, probeEventLoopLag } from "./metrics/core_metrics.ts";
import { countSdkCalls, type MiddlewareStackOf } from "./metrics/sdk_call_metrics.ts";
import { openMallocTrim } from "./memory/malloc_trim.ts";
import { runEvery, sleep } from "./sleep.ts";

const HELP = `gantry-core ${VERSION} — ephemeral EC2 runners for GitHub Actions

Usage:
  gantry-core --config gantry.yaml          run the core
  gantry-core --config gantry.yaml --check-config
                                            validate the config and exit
  gantry-core keygen --out core.pem [--kid core-1]
                                            make the core's Ed25519 key (file mode 0600)
                                            and print the edge's CORE_PUBLIC_KEYS value
  gantry-core --version | --help

Every config key can be overridden by a GANTRY_* environment variable
(dots become underscores: aws.region -> GANTRY_AWS_REGION).
See docs/configuration.md for every key and its default.
`;

/** How often what malloc keeps after it was freed goes back to the OS. */
const MALLOC_TRIM_INTERVAL_MS = 30_000;

function awsClients(config: ResolvedConfig) {
  const credentials = config.aws.access_key_id && config.secrets.awsSecretAccessKey
    ? { accessKeyId: config.aws.access_key_id, secretAccessKey: config.secrets.awsSecretAccessKey }
    : undefined;
  const common = {
    credentials,
    maxAttempts: config.aws.max_attempts,
    ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}),
  };
  return {
    ec2: new EC2Client({ region: config.aws.region, ...common }),
    // The Pricing API lives in us-east-1 whichever region the runners are in.
    pricing: new PricingClient({ region: "us-east-1", ...common }),
  };
}

async function run(config: ResolvedConfig): Promise<void> {
  const log = createLogger(
    { ...config.log, secrets: Object.values(config.secrets) },
    logSink(config.log.file),
  );
  const { client, db } = await openBufferedDatabase({
    url: config.database.url,
    authToken: config.secrets.databaseAuthToken,
    bufferPath: config.database.buffer_path,
    log,
    timeoutMs: config.database.timeout_ms,
    retryMs: config.database.retry_interval_ms,
    refreshMs: config.database.mirror_refresh_seconds * 1000,
  });
  await seedProjects(db, config.projects, Date.now());
  await client.refreshMirror().catch((error) =>
    log.warn("could not copy libSQL into the local mirror", { error })
  );

  // Filled in below once the launcher and GitHub exist; read only when the metrics are collected.
  const gauges = { retriesWaiting: () => 0, githubRateRemaining: (): number | null => null };
  const metrics = new CoreMetrics({
    retriesWaiting: () => gauges.retriesWaiting(),
    githubRateRemaining: () => gauges.githubRateRemaining(),
    bufferDepth: () => client.pending(),
    rss: () => Deno.memoryUsage().rss,
  });
  const gate = new LaunchGate();
  const { ec2, pricing } = awsClients(config);
  countSdkCalls(ec2 as unknown as MiddlewareStackOf, metrics);
  const provider = new Ec2Provider({
    ec2,
    prices: new PriceQuoter({ region: config.aws.region, ec2, pricing, log }),
    log,
  });
  const github = new GitHubApp({
    appId: Number(config.github.app_id),
    privateKey: config.secrets.githubPrivateKey,
    apiUrl: config.github.api_url,
    writesPerSecond: config.github.writes_per_second,
    log,
    metrics,
  });
  const queue = new EdgeClient({
    url: config.edge.url,
    coreId: config.edge.core_id,
    privateKeyPem: config.secrets.edgePrivateKey,
  });
  const store = new Store(client, db, { isOffline: () => client.isOffline });
  // What every launch needs, the launcher's batches and the warm pool's runners alike.
  const launchDeps = {
    store,
    provider,
    github,
    vault: queue,
    log,
    now: Date.now,
    runners: {
      edgeUrl: config.edge.url,
      bootTimeoutSeconds: config.scheduler.boot_timeout_seconds,
      ...(config.runner_release
        ? {
          release: {
            version: config.runner_release.version,
            archiveBaseUrl: config.runner_release.archive_base_url,
            sha256: {
              x64: config.runner_release.sha256_x64,
              arm64: config.runner_release.sha256_arm64,
            },
          },
        }
        : {}),
    },
  };
  const launcher = new Launcher({
    ...launchDeps,
    launches: new LaunchQueries(store),
    coreId: config.edge.core_id,
    batchWindowMs: config.scheduler.batch_window_ms,
    maxBatch: config.scheduler.max_batch,
    retry: {
      delaysMs: config.scheduler.launch_retry_delays_ms,
      jitter: config.scheduler.launch_retry_jitter,
    },
    sweepIntervalMs: config.scheduler.launch_sweep_interval_ms,
    metrics,
    gate,
  });
  gauges.retriesWaiting = () => launcher.retriesWaiting();
  gauges.githubRateRemaining = () => github.rateRemaining();
  const events = new JobEvents({
    store,
    provider,
    github,
    log,
    now: Date.now,
    spotRetries: config.scheduler.spot_retries,
    pokeLauncher: () => launcher.poke(),
    stageMetrics: metrics,
  });

  // First signal: stop leasing, finish the launch in hand, release the rest.
  // A second one also abandons a lease request in flight.
  const stop = new AbortController();
  const hardStop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) {
      log.warn("stopping now: abandoning the lease request in flight");
      hardStop.abort();
      return;
    }
    log.info("stopping: no new leases; finishing launches in hand, releasing the rest");
    stop.abort();
  };
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
  probeEventLoopLag((seconds) => metrics.loopLag(seconds), {
    intervalMs: 1_000,
    signal: stop.signal,
  });
  const mallocTrim = openMallocTrim();
  let lastLeaseAt: number | null = null;
  log.info("gantry-core started", {
    version: VERSION,
    edge: config.edge.url,
    coreId: config.edge.core_id,
  });
  await Promise.all([
    runLeaseLoop({
      queue,
      events,
      launcher,
      log,
      batch: config.edge.lease_batch,
      waitMs: config.edge.lease_wait_seconds * 1000,
      leaseMs: config.edge.lease_seconds * 1000,
      signal: stop.signal,
      hardStop: hardStop.signal,
      onLeased: () => lastLeaseAt = Date.now(),
    }),
    // Operators' actions, holds on launching, metrics and liveness: the lease channel's sibling.
    runControlLoop({
      channel: queue,
      gate,
      actions: {
        store,
        provider,
        github,
        log,
        now: Date.now,
        pokeLauncher: () => launcher.poke(),
        sleep: (ms) => sleep(ms, stop.signal),
      },
      metrics: () => metrics.snapshot(),
      leaseAgeMs: () => lastLeaseAt === null ? null : Date.now() - lastLeaseAt,
      version: VERSION,
      log,
      signal: stop.signal,
    }),
    // Stops with the lease loop, after finishing the launch calls in flight.
    launcher.run(stop.signal),
    runReaper({
      store,
      provider,
      log,
      now: Date.now,
      bootTimeoutSeconds: config.scheduler.boot_timeout_seconds,
      maxRuntimeMinutes: config.scheduler.max_runtime_minutes,
      idleTimeoutMinutes: config.scheduler.idle_timeout_minutes,
      stuckLaunchMinutes: config.scheduler.stuck_launch_minutes,
      github,
      intervalMs: config.scheduler.reap_interval_seconds * 1000,
      signal: stop.signal,
    }),
    // Pools with min_idle: keep that many idle runners, replacing those idle too long.
    runWarmPool({
      ...launchDeps,
      idleTimeoutMs: config.scheduler.idle_timeout_minutes * 60_000,
      intervalMs: config.scheduler.reap_interval_seconds * 1000,
      signal: stop.signal,
      gate,
    }),
    // Pools with stopped_min: keep that many prepared, stopped instances for jobs to start.
    runStoppedPool({
      ...launchDeps,
      intervalMs: config.scheduler.reap_interval_seconds * 1000,
      signal: stop.signal,
      gate,
    }),
    // Missed webhooks: redeliver failed ones, adopt unseen queued jobs, close finished ones.
    config.reconcile.enabled
      ? runReconciler(
        new Reconciler({
          store,
          github,
          log,
          now: Date.now,
          enqueue: (message) => events.handle(message),
          lookbackMs: config.reconcile.lookback_minutes * 60_000,
          minAgeMs: config.reconcile.min_age_seconds * 1000,
          maxJobChecks: config.reconcile.max_job_checks,
          minRateRemaining: config.reconcile.min_rate_remaining,
          spotRetries: config.scheduler.spot_retries,
          capabilities: provider.capabilities,
        }),
        { intervalMs: config.reconcile.interval_seconds * 1000, signal: stop.signal, log },
      )
      : Promise.resolve(),
    // Start-up, then each burst, leave freed memory in malloc's arenas: hand it back.
    mallocTrim
      ? runEvery(
        { intervalMs: MALLOC_TRIM_INTERVAL_MS, signal: stop.signal, log, what: "malloc_trim" },
        () => Promise.resolve(mallocTrim()),
      )
      : Promise.resolve(),
  ]);
  Deno.removeSignalListener("SIGTERM", onSignal);
  Deno.removeSignalListener("SIGINT", onSignal);
  const buffered = await client.pending().catch(() => 0);
  await client.shutdown();
  ec2.destroy();
  pricing.destroy();
  log.info("gantry-core stopped", buffered > 0 ? { bufferedWrites: buffered } : {});
}

async function keygen(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { out: { type: "string", short: "o" }, kid: { type: "string" } },
  });
  if (!values.out) {
    console.error(
      "gantry-core keygen: --out <file> is required (the private key is written there)",
    );
    return 2;
  }
  try {
    console.log(await writeCoreKey(values.out, values.kid ?? "core-1"));
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    console.error(`gantry-core keygen: ${values.out} exists; it is never overwritten`);
    return 2;
  }
  return 0;
}

async function main(args: string[]): Promise<number> {
  if (args[0] === "keygen") return await keygen(args.slice(1));
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      "check-config": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const path = values.config ?? Deno.env.get("GANTRY_CONFIG") ?? "gantry.yaml";
  let config: ResolvedConfig;
  try {
    config = await loadConfig(path, Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof InvalidError)) throw error;
    console.error(`gantry-core: ${error.message}`);
    for (const issue of error.issues) console.error(`  ${issue.path}: ${issue.message}`);
    return 2;
  }
  if (values["check-config"]) {
    console.log(`${path}: ok (${config.projects.length} project(s))`);
    return 0;
  }
  await run(config);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
