/**
 * The emulated fleet of instances and their lifecycle: pending → running on
 * the first request after `pendingMs`, shutting-down → terminated on the
 * first request after `shutdownMs`. No timers run; every request advances the
 * clock, so an idle emulator holds no resources.
 *
 * @module
 */

import { privateIpFor } from "./placement.ts";
import { Ec2ApiError, randomHex } from "./protocol.ts";

/** The states an emulated instance moves through. */
export type InstanceStateName = "pending" | "running" | "shutting-down" | "terminated";

/** The numeric state codes EC2 reports beside each state name. */
export const STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  "pending": 0,
  "running": 16,
  "shutting-down": 32,
  "terminated": 48,
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
}

/** One row of a TerminateInstances answer. */
export interface StateChange {
  instanceId: string;
  previous: InstanceStateName;
  current: InstanceStateName;
}

/** How long instances linger in the transitional states. */
export interface InstanceTiming {
  pendingMs: number;
  shutdownMs: number;
}

interface InstanceRecord extends EmulatedInstance {
  /** When the current transitional state (pending, shutting-down) ends. */
  transitionAt: number;
}

/** Holds every instance the emulator has launched, terminated ones included. */
export class InstanceStore {
  #records = new Map<string, InstanceRecord>();
  #sequence = 0;
  #timing: InstanceTiming;

  constructor(timing: InstanceTiming) {
    this.#timing = timing;
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
        transitionAt: now + this.#timing.pendingMs,
        spotInstanceRequestId: spec.lifecycle === "spot" ? `sir-${randomHex(8)}` : undefined,
      };
      this.#records.set(record.instanceId, record);
      launched.push(snapshot(record));
    }
    return launched;
  }

  /** Moves instances whose transition is due to their next state. */
  advance(now: number): void {
    for (const record of this.#records.values()) {
      if (record.transitionAt > now) continue;
      if (record.state === "pending") {
        record.state = "running";
        record.transitionAt = Infinity;
      } else if (record.state === "shutting-down") {
        record.state = "terminated";
        record.transitionAt = Infinity;
      }
    }
  }

  /** Every instance, oldest first. */
  list(): EmulatedInstance[] {
    return [...this.#records.values()].map(snapshot);
  }

  /** The instances with these ids, or InvalidInstanceID.* naming the unknown ones. */
  get(instanceIds: string[]): EmulatedInstance[] {
    const malformed = instanceIds.filter((id) => !/^i-[0-9a-f]{8,17}$/.test(id));
    if (malformed.length > 0) {
      throw new Ec2ApiError("InvalidInstanceID.Malformed", `Invalid id: "${malformed[0]}"`);
    }
    const missing = instanceIds.filter((id) => !this.#records.has(id));
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
    return instanceIds.map((id) => snapshot(this.#records.get(id)!));
  }

  /** Starts terminating; terminating an instance twice is allowed, as in EC2. */
  terminate(instanceIds: string[], now: number): StateChange[] {
    this.get(instanceIds);
    return instanceIds.map((instanceId) => {
      const record = this.#records.get(instanceId)!;
      const previous = record.state;
      if (previous === "pending" || previous === "running") {
        record.state = "shutting-down";
        record.transitionAt = now + this.#timing.shutdownMs;
        record.stateReason = {
          code: "Client.UserInitiatedShutdown",
          message: "Client.UserInitiatedShutdown: User initiated shutdown",
        };
      }
      return { instanceId, previous, current: record.state };
    });
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
    record.state = "shutting-down";
    record.transitionAt = now + this.#timing.shutdownMs;
    record.stateReason = {
      code: "Server.SpotInstanceTermination",
      message: "Server.SpotInstanceTermination: Spot instance termination",
    };
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

function snapshot(record: InstanceRecord): EmulatedInstance {
  const { transitionAt: _transitionAt, ...instance } = record;
  return structuredClone(instance);
}
