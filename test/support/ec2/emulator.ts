/**
 * An EC2 API emulator (plus a minimal Pricing API: GetProducts, GetAttributeValues) on loopback HTTP, speaking
 * the real wire protocols so the unmodified `@aws-sdk/client-ec2` and
 * `@aws-sdk/client-pricing` can be pointed at it with `endpoint: emulator.url`.
 *
 * ```ts
 * const emulator = await startEc2Emulator();
 * const ec2 = new EC2Client({ region: "us-east-1", endpoint: emulator.url, credentials });
 * emulator.faults.throttle(1_000);
 * await emulator.close();
 * ```
 *
 * @module
 */

import type { ActionHandler, Ec2Context } from "./context.ts";
import { handleControl, type RecordedCall } from "./control.ts";
import { type FaultControl, Faults } from "./faults.ts";
import { createFleet } from "./fleet.ts";
import {
  createTags,
  describeInstances,
  modifyInstanceAttribute,
  runInstances,
  startInstances,
  stopInstances,
  terminateInstances,
} from "./instance_actions.ts";
import {
  type Consistency,
  type EmulatedInstance,
  type InstanceDurations,
  InstanceStore,
  type PendingEvent,
} from "./instances.ts";
import {
  createLaunchTemplate,
  createLaunchTemplateVersion,
  deleteLaunchTemplate,
  deleteLaunchTemplateVersions,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
  modifyLaunchTemplate,
} from "./launch_template_actions.ts";
import { type EmulatedLaunchTemplate, LaunchTemplateStore } from "./launch_templates.ts";
import { describeImages } from "./images.ts";
import { PRICING_OPERATIONS, PricingApiError, pricingParams } from "./pricing.ts";
import { Ec2ApiError, parseForm, xmlError, xmlResponse } from "./protocol.ts";
import { type RateLimitMode, RateLimits } from "./rate_limits.ts";
import { describeSpotPriceHistory } from "./spot_prices.ts";
import { describeSubnets } from "./subnets.ts";

export type { RecordedCall } from "./control.ts";
export type { CapacityShortage, FaultControl, FaultStart, TokenBucket } from "./faults.ts";
export type {
  Consistency,
  EmulatedInstance,
  InstanceDurations,
  InstanceStateName,
  PendingEvent,
} from "./instances.ts";
export { CONSISTENT, LAGGING } from "./instances.ts";
export type { RateLimitMode } from "./rate_limits.ts";
export type { EmulatedLaunchTemplate, EmulatedTemplateVersion } from "./launch_templates.ts";

/** A running emulator. */
export interface Ec2Emulator {
  /** The base URL to hand the SDK as `endpoint`, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Every request answered so far, oldest first (a live array). */
  calls: RecordedCall[];
  /** A snapshot of every instance, terminated ones included. */
  instances(): EmulatedInstance[];
  /** A snapshot of every launch template with its versions. */
  launchTemplates(): EmulatedLaunchTemplate[];
  /** Injected failures (`faults.tokenBucket` and `faults.throttle` make the limits harsher). */
  faults: FaultControl;
  /**
   * AWS's documented API rate limits ("aws", the default: see rate_limits.ts)
   * or none ("off"); either way every bucket starts full again.
   */
  setRateLimits(mode: RateLimitMode): void;
  /** Changes how far the API lags behind the truth (see instances.ts). */
  setConsistency(consistency: Partial<Consistency>): void;
  /**
   * Calls `listener` (synchronously, while the launch or start is answered;
   * it must not throw) whenever an instance goes pending, with when it will
   * be running; returns the function that stops it. The start bench's
   * simulated runners boot instances from it.
   */
  onPending(listener: (event: PendingEvent) => void): () => void;
  /** Forgets instances, templates, recorded calls and faults. */
  reset(): void;
  /** Stops listening and waits for open connections to finish. */
  close(): Promise<void>;
}

/** Where to listen, and how long instances stay in transitional states. */
export interface Ec2EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  hostname?: string;
  /** Milliseconds an instance stays pending; 0 (default) means running from the next request on. */
  pendingMs?: number;
  /** Milliseconds an instance stays shutting-down; 0 (default) means terminated from the next request on. */
  shutdownMs?: number;
  /** Milliseconds an instance stays stopping; 0 (default) means stopped from the next request on. */
  stopMs?: number;
  /** Milliseconds a started instance stays pending; 0 (default) means running from the next request on. */
  startMs?: number;
  /**
   * Per-instance pending and start times (the start bench's model,
   * `new StartTimings(…).emulatorDurations()` from timings.ts), in place of
   * `pendingMs` and `startMs`.
   */
  durations?: InstanceDurations;
  /**
   * Versions one launch template may hold at once; AWS's quota is 10,000
   * (EC2 user guide, "Launch template restrictions"). A test sets it low to
   * prove versions do not pile up.
   */
  maxTemplateVersions?: number;
  /** How far the API lags behind the truth; default instantly consistent (`CONSISTENT`). */
  consistency?: Partial<Consistency>;
  /** The emulator's clock (epoch ms); default `Date.now`. Lets a test step through lag without sleeping. */
  clock?: () => number;
  /**
   * "aws" (the default): EC2's documented request and resource token buckets
   * (RunInstances 5 calls at 2/s and 1,000 instances at 2/s, Describe* 100 at
   * 20/s, …). "off": none, for a measurement of the caller alone.
   */
  rateLimits?: RateLimitMode;
}

const ACTIONS: Record<string, ActionHandler> = {
  RunInstances: runInstances,
  CreateFleet: createFleet,
  DescribeInstances: describeInstances,
  TerminateInstances: terminateInstances,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  ModifyInstanceAttribute: modifyInstanceAttribute,
  CreateTags: createTags,
  CreateLaunchTemplate: createLaunchTemplate,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  ModifyLaunchTemplate: modifyLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  DeleteLaunchTemplate: deleteLaunchTemplate,
  DeleteLaunchTemplateVersions: deleteLaunchTemplateVersions,
  DescribeSpotPriceHistory: describeSpotPriceHistory,
  DescribeSubnets: describeSubnets,
  DescribeImages: describeImages,
};

/** Starts an emulator on loopback; close it when done. */
export function startEc2Emulator(options: Ec2EmulatorOptions = {}): Promise<Ec2Emulator> {
  const clock = options.clock ?? Date.now;
  const instances = new InstanceStore({
    pendingMs: options.pendingMs ?? 0,
    shutdownMs: options.shutdownMs ?? 0,
    stopMs: options.stopMs ?? 0,
    startMs: options.startMs ?? 0,
    durations: options.durations,
  });
  instances.setConsistency(options.consistency ?? {});
  const state: Omit<Ec2Context, "now"> = {
    instances,
    templates: new LaunchTemplateStore({ maxVersions: options.maxTemplateVersions }),
    faults: new Faults(instances, clock),
    tokens: new Map(),
  };
  const limits = new RateLimits(options.rateLimits ?? "aws");
  const calls: RecordedCall[] = [];
  const emulatorState = {
    calls,
    faults: state.faults as FaultControl,
    setConsistency: (consistency: Partial<Consistency>) => instances.setConsistency(consistency),
    setRateLimits: (mode: RateLimitMode) => limits.setMode(mode),
    onPending: (listener: (event: PendingEvent) => void) => instances.onPending(listener),
    instances: () => {
      instances.advance(clock());
      return instances.list();
    },
    launchTemplates: () => state.templates.list(),
    reset: () => {
      calls.length = 0;
      instances.clear();
      state.templates.clear();
      state.faults.clear();
      state.tokens.clear();
      limits.reset();
    },
  };

  /** Answers held back by a stall, each with the function that lets it go now. */
  const holds = new Set<() => void>();
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        holds.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      holds.add(release);
    });

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/_emulator/")) return handleControl(request, emulatorState);
    const target = request.headers.get("x-amz-target");
    if (target !== null) return handlePricing(target, await request.text(), calls);
    const body = request.method === "POST" ? await request.text() : "";
    const params = { ...Object.fromEntries(url.searchParams), ...parseForm(body) };
    const now = clock();
    const response = handleEc2(params, { ...state, now }, { calls, limits });
    // A stalled launch has already happened; only its answer is late. Closing the emulator
    // lets held answers go (their clients may be long dead), rather than wait them out.
    const stallMs = state.faults.stallMs(params.Action ?? "", now);
    if (stallMs > 0) await hold(stallMs);
    return response;
  };

  return new Promise((resolve) => {
    const server = Deno.serve({
      port: options.port ?? 0,
      hostname: options.hostname ?? "127.0.0.1",
      onListen: ({ hostname, port }) => {
        resolve({
          url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
          port,
          ...emulatorState,
          close: () => {
            for (const release of [...holds]) release();
            return server.shutdown();
          },
        });
      },
    }, handler);
  });
}

function handleEc2(
  params: Record<string, string>,
  context: Ec2Context,
  { calls, limits }: { calls: RecordedCall[]; limits: RateLimits },
): Response {
  const action = params.Action ?? "";
  const requestId = crypto.randomUUID();
  const call: RecordedCall = { action, params, at: context.now };
  calls.push(call);
  try {
    context.instances.advance(context.now);
    context.faults.admit(action, context.now);
    const handle = ACTIONS[action];
    if (!handle) {
      throw new Ec2ApiError(
        "InvalidAction",
        `The action ${action} is not valid for this web service.`,
      );
    }
    const isReplay = params.ClientToken !== undefined &&
      context.tokens.has(`${action}:${params.ClientToken}`);
    limits.admit(action, params, { now: context.now, isReplay });
    if (params.DryRun === "true") {
      throw new Ec2ApiError(
        "DryRunOperation",
        "Request would have succeeded, but DryRun flag is set.",
        412,
      );
    }
    return xmlResponse(action, requestId, handle(params, context));
  } catch (error) {
    const known = error instanceof Ec2ApiError
      ? error
      : new Ec2ApiError("InternalError", "An internal error has occurred", 500);
    if (known !== error) console.error(`EC2 emulator: ${action} failed`, error);
    call.error = known.code;
    return xmlError(known, requestId);
  }
}

function handlePricing(target: string, body: string, calls: RecordedCall[]): Response {
  const headers = { "content-type": "application/x-amz-json-1.1" };
  let request: unknown;
  try {
    request = body === "" ? {} : JSON.parse(body);
  } catch (error) {
    // Malformed JSON is reported to the client below as a SerializationException.
    request = error;
  }
  const call: RecordedCall = {
    action: target.split(".").at(-1) ?? target,
    params: request instanceof Error ? {} : pricingParams(request),
    at: Date.now(),
  };
  calls.push(call);
  try {
    if (request instanceof Error) {
      throw new PricingApiError("SerializationException", "The request body is not valid JSON.");
    }
    const operation = PRICING_OPERATIONS[target];
    if (!operation) {
      throw new PricingApiError("UnknownOperationException", `Unsupported operation ${target}.`);
    }
    return Response.json(operation(request), { headers });
  } catch (error) {
    if (!(error instanceof PricingApiError)) throw error;
    call.error = error.type;
    return Response.json({ __type: error.type, message: error.message }, { status: 400, headers });
  }
}
