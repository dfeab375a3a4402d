/**
 * The emulated fleet of instances and their lifecycle: pending → running on
 * the first request after `pendingMs` (`startMs` when started from stopped),
 * stopping → stopped after `stopMs`, shutting-down → terminated on the first
 * request after `shutdownMs`. No timers run; every request advances the
 * clock, so an idle emulator holds no resources.
 *
 * What the API shows may lag behind the truth, as EC2's does ("Eventual
 * consistency in the Amazon EC2 API", EC2 developer guide): a new id answers
 * InvalidInstanceID.NotFound for a while, Describe shows a state from a moment
 * ago, and a terminated instance stays listed for a while and is then
 * forgotten ("Recently terminated instances might appear in the returned
 * results", DescribeInstances API reference). Tests read the truth through
 * {@link InstanceStore.list}.
 *
 * @module
 */

import { HIBERNATED_REASON, requireHibernatable, requireNotHibernated } from "./hibernation.ts";
import { privateIpFor } from "./placement.ts";
import { Ec2ApiError, randomHex } from "./protocol.ts";

/** The states an emulated instance moves through. */
export type InstanceStateName =
  | "pending"
  | "running"
  | "shutting-down"
  | "terminated"
  | "stopping"
  | "stopped";

/** The numeric state codes EC2 reports beside each state name. */
export const STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  "pending": 0,
  "running": 16,
  "shutting-down": 32,
  "terminated": 48,
  "stopping": 64,
  "stopped": 80,
};

/** What a launch asks for, after the launch template and request are merged. */
export interface LaunchSpec {
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  subnetId?: string;
  lifecycle: "on-demand" | "spot";
  tags: Record<string, string>;
  securityGroupIds: string[];
  userData?: string;
  keyName?: string;
  launchTemplate?: { id: string; name: string; version: number };
  clientToken?: string;
  fleetId?: string;
  /** Enabled for hibernation at launch (`HibernationOptions.Configured`, hibernation.ts). */
  hibernation?: boolean;
}

/** A snapshot of one emulated instance, as tests and `GET /_emulator/instances` see it. */
export interface EmulatedInstance extends LaunchSpec {
  instanceId: string;
  reservationId: string;
  privateIpAddress: string;
  /** Launch time, epoch milliseconds. */
  launchedAt: number;
  state: InstanceStateName;
  stateReason?: { code: string; message: string };
  spotInstanceRequestId?: string;
  /** Stopped by StopInstances `Hibernate`: its RAM is on its root volume until it starts. */
  hibernated?: boolean;
}

/** One row of a TerminateInstances, StopInstances or StartInstances answer. */
export interface StateChange {
  instanceId: string;
  previous: InstanceStateName;
  current: InstanceStateName;
}

/** How long instances linger in the transitional states. */
export interface InstanceTiming {
  pendingMs: number;
  shutdownMs: number;
  /** stopping → stopped. */
  stopMs: number;
  /** pending → running when started from stopped (EC2: seconds, where a launch takes ~16 s). */
  startMs: number;
  /**
   * Per-instance durations (the start bench's model, timings.ts): when set,
   * each launch draws its pending time and each start its start time here,
   * in place of `pendingMs` and `startMs`.
   */
  durations?: InstanceDurations;
}

/** Draws one instance's transitional durations, ms. */
export interface InstanceDurations {
  /** pending → running after a launch. */
  pendingMs(): number;
  /** pending → running after a start from stopped. */
  startMs(): number;
}

/**
 * An instance went pending: launched, started from stopped, or resumed from
 * hibernation (its processes go on where they were: no OS boot); it is
 * running from `runningAt` on.
 */
export interface PendingEvent {
  instance: EmulatedInstance;
  cause: "launch" | "start" | "resume";
  /** When it went pending (the emulator's clock, epoch ms). */
  at: number;
  runningAt: number;
}

/**
 * How far what the API shows lags behind the truth. All zero but
 * `terminatedVisibleMs` (infinite) by default: an instantly consistent EC2.
 */
export interface Consistency {
  /** A new instance id is NotFound (and left out of listings) for this long after launch. */
  newIdMs: number;
  /** Describe shows the state an instance had this long ago. */
  staleStateMs: number;
  /** A terminated instance stays listed this long, then is NotFound (EC2: usually under an hour). */
  terminatedVisibleMs: number;
}

/** An instantly consistent EC2: what the emulator did before consistency lag existed. */
export const CONSISTENT: Readonly<Consistency> = {
  newIdMs: 0,
  staleStateMs: 0,
  terminatedVisibleMs: Infinity,
};

/** The lag the dev stack and the drills run with: seconds, where real EC2 is usually well under. */
export const LAGGING: Readonly<Consistency> = {
  newIdMs: 2_000,
  staleStateMs: 1_500,
  terminatedVisibleMs: 60_000,
};

interface StateEntry {
  at: number;
  state: InstanceStateName;
  stateReason?: { code: string; message: string };
}

interface InstanceRecord extends EmulatedInstance {
  /** When the current transitional state (pending, stopping, shutting-down) ends. */
  transitionAt: number;
  /** Every state it has been in, oldest first, for the lagging view. */
  history: StateEntry[];
}

/** Holds every instance the emulator has launched, terminated ones included. */
export class InstanceStore {
  #records = new Map<string, InstanceRecord>();
  #sequence = 0;
  #timing: InstanceTiming;
  #consistency: Consistency;
  #pendingListeners = new Set<(event: PendingEvent) => void>();

  constructor(timing: InstanceTiming, consistency: Consistency = CONSISTENT) {
    this.#timing = timing;
    this.#consistency = { ...consistency };
  }

  /** The lag in force. */
  get consistency(): Consistency {
    return { ...this.#consistency };
  }

  /** Changes the lag from now on (already launched instances included). */
  setConsistency(consistency: Partial<Consistency>): void {
    this.#consistency = { ...this.#consistency, ...consistency };
  }

  /**
   * Calls `listener` whenever an instance goes pending (a simulated runner
   * boots it once running); returns the function that stops it.
   */
  onPending(listener: (event: PendingEvent) => void): () => void {
    this.#pendingListeners.add(listener);
    return () => this.#pendingListeners.delete(listener);
  }

  #wentPending(record: InstanceRecord, cause: PendingEvent["cause"], at: number): void {
    if (this.#pendingListeners.size === 0) return;
    const event = { instance: snapshot(record), cause, at, runningAt: record.transitionAt };
    for (const listener of this.#pendingListeners) listener(event);
  }

  /** Launches `count` instances of one spec into one reservation. */
  launch(spec: LaunchSpec, count: number, now: number, reservationId = newReservationId()) {
    const launched: EmulatedInstance[] = [];
    for (let index = 0; index < count; index++) {
      const record: InstanceRecord = {
        ...structuredClone(spec),
        instanceId: `i-${randomHex(17)}`,
        reservationId,
        privateIpAddress: privateIpFor(spec.subnetId ?? spec.availabilityZone, this.#sequence++),
        launchedAt: now,
        state: "pending",
        transitionAt: now + (this.#timing.durations?.pendingMs() ?? this.#timing.pendingMs),
        history: [{ at: now, state: "pending" }],
        spotInstanceRequestId: spec.lifecycle === "spot" ? `sir-${randomHex(8)}` : undefined,
      };
      this.#records.set(record.instanceId, record);
      launched.push(snapshot(record));
      this.#wentPending(record, "launch", now);
    }
    return launched;
  }

  /** Moves instances whose transition is due to their next state. */
  advance(now: number): void {
    for (const record of this.#records.values()) {
      if (record.transitionAt > now) continue;
      if (record.state === "pending") {
        moveTo(record, "running", record.transitionAt);
        record.transitionAt = Infinity;
      } else if (record.state === "shutting-down") {
        moveTo(record, "terminated", record.transitionAt);
        record.transitionAt = Infinity;
      } else if (record.state === "stopping") {
        moveTo(
          record,
          "stopped",
          record.transitionAt,
          record.hibernated ? HIBERNATED_REASON : {
            code: "Client.UserInitiatedShutdown",
            message: "Client.UserInitiatedShutdown: User initiated shutdown",
          },
        );
        record.transitionAt = Infinity;
      }
    }
  }

  /** Every instance, oldest first. */
  list(): EmulatedInstance[] {
    return [...this.#records.values()].map(snapshot);
  }

  /** The instances with these ids as they truly are, or InvalidInstanceID.* naming the unknown ones. */
  get(instanceIds: string[]): EmulatedInstance[] {
    checkIds(instanceIds, (id) => this.#records.has(id));
    return instanceIds.map((id) => snapshot(this.#records.get(id)!));
  }

  /**
   * What the API shows at `now`: every instance the API can see, as it was
   * `staleStateMs` ago, in launch order. New ids and long-terminated ones are
   * left out.
   */
  listVisible(now: number): EmulatedInstance[] {
    return [...this.#records.values()]
      .filter((record) => this.#isVisible(record, now))
      .map((record) => this.#view(record, now));
  }

  /**
   * The instances with these ids as the API shows them at `now`; an id the
   * API cannot see (unknown, too new, or terminated long ago) is
   * InvalidInstanceID.NotFound, which fails the whole call.
   */
  getVisible(instanceIds: string[], now: number): EmulatedInstance[] {
    checkIds(instanceIds, (id) => {
      const record = this.#records.get(id);
      return record !== undefined && this.#isVisible(record, now);
    });
    return instanceIds.map((id) => this.#view(this.#records.get(id)!, now));
  }

  #isVisible(record: InstanceRecord, now: number): boolean {
    const { newIdMs, terminatedVisibleMs } = this.#consistency;
    if (now - record.launchedAt < newIdMs) return false;
    const terminatedAt = record.history.find((entry) => entry.state === "terminated")?.at;
    return terminatedAt === undefined || now - terminatedAt < terminatedVisibleMs;
  }

  #view(record: InstanceRecord, now: number): EmulatedInstance {
    const seenAt = now - this.#consistency.staleStateMs;
    const entry = record.history.findLast((candidate) => candidate.at <= seenAt) ??
      record.history[0];
    return { ...snapshot(record), state: entry.state, stateReason: entry.stateReason };
  }

  /**
   * Starts terminating; terminating an instance twice is allowed, as in EC2.
   * One id the API cannot see (a new one included) fails the whole call and
   * terminates nothing (TerminateInstances API reference).
   */
  terminate(instanceIds: string[], now: number): StateChange[] {
    this.getVisible(instanceIds, now);
    return instanceIds.map((instanceId) => {
      const record = this.#records.get(instanceId)!;
      const previous = record.state;
      if (previous !== "shutting-down" && previous !== "terminated") {
        moveTo(record, "shutting-down", now, {
          code: "Client.UserInitiatedShutdown",
          message: "Client.UserInitiatedShutdown: User initiated shutdown",
        });
        record.transitionAt = now + this.#timing.shutdownMs;
      }
      return { instanceId, previous, current: record.state };
    });
  }

  /**
   * Starts stopping running instances; a stopping or stopped one is left as
   * it is. The whole call fails, stopping none, when one id is a one-time
   * spot instance (UnsupportedOperation) or is pending, shutting down or
   * terminated (IncorrectInstanceState), as StopInstances answers; with
   * `hibernate`, when one was not enabled for it at launch (hibernation.ts).
   */
  stop(instanceIds: string[], now: number, options: { hibernate?: boolean } = {}): StateChange[] {
    const instances = this.getVisible(instanceIds, now);
    for (const instance of instances) {
      const record = this.#records.get(instance.instanceId)!;
      if (record.lifecycle === "spot") {
        throw new Ec2ApiError(
          "UnsupportedOperation",
          `You can't stop the Spot Instance '${record.instanceId}' because it is associated ` +
            "with a one-time Spot Instance request. You can only stop Spot Instances associated " +
            "with persistent Spot Instance requests.",
        );
      }
    }
    if (options.hibernate) requireHibernatable(instances);
    this.#requireStates(instanceIds, ["running", "stopping", "stopped"], "stopped");
    return instanceIds.map((instanceId) => {
      const record = this.#records.get(instanceId)!;
      const previous = record.state;
      if (previous === "running") {
        record.hibernated = options.hibernate === true;
        moveTo(record, "stopping", now);
        record.transitionAt = now + this.#timing.stopMs;
      }
      return { instanceId, previous, current: record.state };
    });
  }

  /**
   * Starts stopped instances (pending, then running after `startMs`); a
   * pending or running one is left as it is. A stopping, shutting-down or
   * terminated id fails the whole call (IncorrectInstanceState).
   */
  start(instanceIds: string[], now: number): StateChange[] {
    this.getVisible(instanceIds, now);
    this.#requireStates(instanceIds, ["stopped", "pending", "running"], "started");
    return instanceIds.map((instanceId) => {
      const record = this.#records.get(instanceId)!;
      const previous = record.state;
      if (previous === "stopped") {
        moveTo(record, "pending", now);
        // A started instance has no state reason any more (its stop's is history).
        record.stateReason = undefined;
        record.history[record.history.length - 1].stateReason = undefined;
        record.transitionAt = now + (this.#timing.durations?.startMs() ?? this.#timing.startMs);
        const cause = record.hibernated ? "resume" : "start";
        record.hibernated = false;
        this.#wentPending(record, cause, now);
      }
      return { instanceId, previous, current: record.state };
    });
  }

  /** Refuses the whole call (IncorrectInstanceState) when one instance is in none of `states`. */
  #requireStates(
    instanceIds: string[],
    states: InstanceStateName[],
    verb: "stopped" | "started",
  ): void {
    const refused = instanceIds.find((id) => !states.includes(this.#records.get(id)!.state));
    if (refused === undefined) return;
    throw new Ec2ApiError(
      "IncorrectInstanceState",
      `The instance '${refused}' is not in a state from which it can be ${verb}.`,
    );
  }

  /** Changes a stopped instance's type (ModifyInstanceAttribute); any other state is refused. */
  changeType(instanceId: string, instanceType: string, now: number): void {
    this.getVisible([instanceId], now);
    const record = this.#records.get(instanceId)!;
    if (record.state !== "stopped") {
      throw new Ec2ApiError(
        "IncorrectInstanceState",
        `The instance '${instanceId}' is not in the 'stopped' state.`,
      );
    }
    requireNotHibernated(record);
    record.instanceType = instanceType;
  }

  /** Reclaims a spot instance the way EC2 does when capacity is needed back. */
  interruptSpot(instanceId: string, now: number): void {
    const [instance] = this.get([instanceId]);
    if (instance.lifecycle !== "spot") {
      throw new Error(
        `${instanceId} is an on-demand instance; only spot instances are interrupted`,
      );
    }
    const record = this.#records.get(instanceId)!;
    if (record.state === "terminated" || record.state === "shutting-down") return;
    moveTo(record, "shutting-down", now, {
      code: "Server.SpotInstanceTermination",
      message: "Server.SpotInstanceTermination: Spot instance termination",
    });
    record.transitionAt = now + this.#timing.shutdownMs;
  }

  /** Adds or overwrites tags on instances (CreateTags). */
  tag(instanceIds: string[], tags: Record<string, string>): void {
    this.get(instanceIds);
    for (const id of instanceIds) {
      const record = this.#records.get(id)!;
      record.tags = { ...record.tags, ...tags };
    }
  }

  /** Forgets every instance. */
  clear(): void {
    this.#records.clear();
  }
}

function newReservationId(): string {
  return `r-${randomHex(17)}`;
}

function moveTo(
  record: InstanceRecord,
  state: InstanceStateName,
  at: number,
  stateReason = record.stateReason,
): void {
  record.state = state;
  record.stateReason = stateReason;
  record.history.push({ at, state, stateReason });
}

/** Throws InvalidInstanceID.Malformed or .NotFound (naming every missing id) as EC2 does. */
function checkIds(instanceIds: string[], exists: (id: string) => boolean): void {
  const malformed = instanceIds.filter((id) => !/^i-[0-9a-f]{8,17}$/.test(id));
  if (malformed.length > 0) {
    throw new Ec2ApiError("InvalidInstanceID.Malformed", `Invalid id: "${malformed[0]}"`);
  }
  const missing = instanceIds.filter((id) => !exists(id));
  if (missing.length === 1) {
    throw new Ec2ApiError(
      "InvalidInstanceID.NotFound",
      `The instance ID '${missing[0]}' does not exist`,
    );
  }
  if (missing.length > 1) {
    throw new Ec2ApiError(
      "InvalidInstanceID.NotFound",
      `The instance IDs '${missing.join(", ")}' do not exist`,
    );
  }
}

function snapshot(record: InstanceRecord): EmulatedInstance {
  const { transitionAt: _transitionAt, history: _history, ...instance } = record;
  return structuredClone(instance);
}
