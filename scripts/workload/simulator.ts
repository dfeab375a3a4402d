/**
 * The `dev` workload: carries out a planned day of CI (day_plan.ts) against
 * the running system, day after day. GitHub is played by
 * {@link SimulatedActions} over the GitHub fake; every instance the EC2
 * emulator launches is played by an {@link InstancePlayer} (the core's own
 * boot script run with bash, where this machine can; else the agent that
 * plays its calls), which fetches its JIT config from the edge, and its
 * runner then comes online in the fake; the plan's capacity shortages and
 * spot interruptions go through the emulator's faults.
 *
 * @module
 */
import type { Ec2Emulator, EmulatedInstance } from "../../test/support/ec2/emulator.ts";
import type { GithubFake } from "../../test/support/github/fake.ts";
import { type DayPlan, type DayPlanOptions, planDay, simulatedClock } from "./day_plan.ts";
import { agentPlayer, type InstancePlayer, type PlayedInstance } from "./instance_player.ts";
import type { RegisteredRunner } from "./runner_agent.ts";
import { type ActionsStats, SimulatedActions } from "./simulated_actions.ts";

/** What the workload drives, and the day it plays. */
export interface WorkloadOptions {
  edgeUrl: string;
  webhookSecret: string;
  installationId: number;
  ec2: Ec2Emulator;
  github: GithubFake;
  /** The day's shape; day N (from 0) is planned with seed `seed + N`. */
  day: DayPlanOptions;
  log: (line: string) => void;
  /** Simulated boot time of an instance before it reports `booted`, ms (default 800–2,000). */
  bootMs?: readonly [number, number];
  /** Plays the instances (default: {@link agentPlayer}); the workload stops it. */
  player?: InstancePlayer;
}

/** A running workload. */
export interface Workload {
  /** Resolves with ms from the start until the first job completed on a runner. */
  readonly firstCompleted: Promise<number>;
  stats(): ActionsStats & { day: number; clock: string; instancesPlayed: number };
  stop(): Promise<void>;
}

const TICK_MS = 100;
const INSTANCE_POLL_TICKS = 3;
const SYNC_TICKS = 10;

interface WatchedInstance {
  played?: PlayedInstance;
  runner?: RegisteredRunner;
  isGone: boolean;
}

/** Starts playing days of CI at once; `stop()` ends it. */
export function startWorkload(options: WorkloadOptions): Workload {
  const startedAt = Date.now();
  const firstCompleted = Promise.withResolvers<number>();
  let hasCompleted = false;
  const actions = new SimulatedActions({
    github: options.github,
    edgeUrl: options.edgeUrl,
    webhookSecret: options.webhookSecret,
    installationId: options.installationId,
    log: options.log,
    onCompleted: (_jobId, _conclusion, runnerName) => {
      if (hasCompleted || runnerName === null) return;
      hasCompleted = true;
      firstCompleted.resolve(Date.now() - startedAt);
    },
  });
  const player = options.player ?? agentPlayer();
  const played = new Map<string, WatchedInstance>();
  const pending = new Set<Promise<unknown>>();
  const cancels: { at: number; jobIds: number[] }[] = [];
  let day = 0;
  let plan: DayPlan = planDay({ ...options.day, seed: options.day.seed });
  let dayStartedAt = startedAt;
  let nextEvent = 0;
  let lastHour = -1;
  let ticks = 0;
  let isStopped = false;
  const [bootMin, bootMax] = options.bootMs ?? [800, 2_000];

  const track = <T>(promise: Promise<T>) => {
    pending.add(promise);
    promise.finally(() => pending.delete(promise));
    return promise;
  };
  const clock = () => simulatedClock(plan, Date.now() - dayStartedAt);
  const log = (line: string) => options.log(`[sim ${clock()}] ${line}`);

  const runDueEvents = (now: number) => {
    while (nextEvent < plan.events.length && plan.events[nextEvent].atMs <= now - dayStartedAt) {
      const event = plan.events[nextEvent++];
      switch (event.kind) {
        case "run": {
          const ids = actions.queueRun(event);
          const cancelAfter = event.jobs[0]?.cancelAfterMs ?? null;
          if (cancelAfter !== null) cancels.push({ at: now + cancelAfter, jobIds: ids });
          break;
        }
        case "capacity-shortage":
          options.ec2.faults.insufficientCapacity({
            ms: event.ms,
            instanceTypes: event.instanceTypes,
          });
          log(`EC2 capacity shortage: ${event.instanceTypes.join(", ")} for ${event.ms / 1000} s`);
          break;
        case "spot-interruption":
          interruptSpot(event.pick);
          break;
      }
    }
    for (let i = cancels.length - 1; i >= 0; i--) {
      if (cancels[i].at > now) continue;
      const [{ jobIds }] = cancels.splice(i, 1);
      log(`run cancelled by a newer push: jobs ${jobIds.join(", ")}`);
      actions.cancel(jobIds);
    }
    if (now - dayStartedAt >= plan.dayMs) {
      day++;
      plan = planDay({ ...options.day, seed: options.day.seed + day });
      dayStartedAt = now;
      nextEvent = 0;
      log(`day ${day + 1} begins (seed ${plan.seed})`);
    }
  };

  /** Reclaims a spot instance whose runner is busy (else any running spot instance). */
  const interruptSpot = (pick: number) => {
    const running = options.ec2.instances().filter((i) =>
      i.lifecycle === "spot" && i.state === "running" && !played.get(i.instanceId)?.isGone
    );
    const busy = running.filter((i) => {
      const name = played.get(i.instanceId)?.runner?.name;
      return name !== undefined && actions.isBusy(name);
    });
    const candidates = busy.length > 0 ? busy : running;
    if (candidates.length === 0) {
      log("spot interruption planned, but no spot instance is running");
      return;
    }
    const victim = candidates[Math.floor(pick * candidates.length)];
    options.ec2.faults.interruptSpot(victim.instanceId);
    log(`EC2 reclaimed spot instance ${victim.instanceId}`);
  };

  const watchInstances = () => {
    for (const instance of options.ec2.instances()) {
      const known = played.get(instance.instanceId);
      const isGone = instance.state === "shutting-down" || instance.state === "terminated";
      if (!known) {
        if (isGone) continue;
        const entry: WatchedInstance = { isGone: false };
        played.set(instance.instanceId, entry);
        track(boot(instance, entry));
      } else if (isGone && !known.isGone) {
        known.isGone = true;
        track(machineGone(instance, known));
      }
    }
  };

  const boot = async (instance: EmulatedInstance, entry: WatchedInstance) => {
    try {
      await sleep(bootMin + (hashOf(instance.instanceId) % (bootMax - bootMin + 1)));
      if (entry.isGone || isStopped) return;
      const playing = player.play(instance);
      if (!playing) return; // Not a Gantry runner.
      entry.played = playing;
      const runner = await playing.runner;
      if (entry.isGone || isStopped) return;
      entry.runner = runner;
      actions.runnerOnline(runner, {
        onFinished: () => track(playing.finish().catch(reportFailure(instance))),
      });
    } catch (error) {
      // A machine reaped while it booted takes its boot with it: no failure to tell.
      if (!entry.isGone) reportFailure(instance)(error);
    }
  };

  const machineGone = async (instance: EmulatedInstance, entry: WatchedInstance) => {
    const isSpot = instance.stateReason?.code === "Server.SpotInstanceTermination";
    await entry.played?.gone({ isReclaimed: isSpot && entry.runner !== undefined })
      .catch(reportFailure(instance));
    if (entry.runner) actions.runnerLost(entry.runner.name);
  };

  const reportFailure = (instance: EmulatedInstance) => (error: unknown) => {
    if (!isStopped) log(`runner on ${instance.instanceId}: ${error}`);
  };

  const progress = (now: number) => {
    const hour = Number(clock().slice(0, 2));
    if (hour === lastHour) return;
    lastHour = hour;
    const s = actions.stats();
    log(
      `${s.queued} queued, ${s.running} running, ${s.completed} done ` +
        `(${s.failed} failed, ${s.cancelled} cancelled), ${played.size} instances played, ` +
        `${s.droppedWebhooks} webhooks dropped, ${s.lostRunners} runners lost` +
        (now - startedAt < 1_000 ? ` — a day of CI every ${plan.dayMs / 60_000} min` : ""),
    );
  };

  const timer = setInterval(() => {
    if (isStopped) return;
    const now = Date.now();
    ticks++;
    try {
      runDueEvents(now);
      if (ticks % INSTANCE_POLL_TICKS === 0) watchInstances();
      if (ticks % SYNC_TICKS === 0) actions.sync();
      progress(now);
    } catch (error) {
      log(`workload tick failed: ${error}`);
    }
  }, TICK_MS);

  return {
    firstCompleted: firstCompleted.promise,
    stats: () => ({ ...actions.stats(), day, clock: clock(), instancesPlayed: played.size }),
    async stop() {
      isStopped = true;
      clearInterval(timer);
      await player.stop();
      await actions.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small stable hash, so an instance's boot time does not change between polls. */
function hashOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return hash;
}
