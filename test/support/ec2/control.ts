/**
 * The emulator's own HTTP control plane under `/_emulator/`, for tests that
 * run the emulator in another process:
 *
 * - `GET  /_emulator/health` → `{ ok: true }`
 * - `GET  /_emulator/calls[?action=CreateFleet]` → RecordedCall[]
 * - `GET  /_emulator/instances` → EmulatedInstance[]
 * - `GET  /_emulator/launch-templates` → EmulatedLaunchTemplate[]
 * - `POST /_emulator/faults` with one of
 *   `{ "fault": "throttle", "ms": 5000 }`,
 *   `{ "fault": "insufficientCapacity", "ms": 5000, "instanceTypes": ["m5.large"], "azs": ["us-east-1a"] }`,
 *   `{ "fault": "tokenBucket", "ratePerSecond": 2, "burst": 5 }` (without both numbers: no limit),
 *   `{ "fault": "spotShortage", "ms": 5000, "instanceTypes": [...], "azs": [...] }`,
 *   `{ "fault": "unsupported", "ms": 5000, "instanceTypes": [...], "azs": [...] }`,
 *   `{ "fault": "stallLaunches", "ms": 3000, "forMs": 10000 }`,
 *   `{ "fault": "interruptSpot", "instanceId": "i-…" }`, `{ "fault": "clear" }`
 * - `POST /_emulator/consistency` with `{ "newIdMs": 2000, "staleStateMs": 1500,
 *   "terminatedVisibleMs": 60000 }` (any subset; `null` for "forever") → how far
 *   the API lags behind the truth (see instances.ts)
 * - `POST /_emulator/rate-limits` with `{ "mode": "aws" }` (EC2's documented API
 *   rate limits, the default) or `{ "mode": "off" }`; either refills every bucket
 * - `POST /_emulator/reset` → forgets instances, templates, calls and faults, and refills
 *   every rate-limit bucket
 *
 * @module
 */

import { z } from "zod";
import type { FaultControl } from "./faults.ts";
import type { Consistency, EmulatedInstance } from "./instances.ts";
import type { EmulatedLaunchTemplate } from "./launch_templates.ts";
import type { RateLimitMode } from "./rate_limits.ts";
import { Ec2ApiError } from "./protocol.ts";

/** One request the emulator answered (EC2 or Pricing), in arrival order. */
export interface RecordedCall {
  /** The EC2 `Action`, or `GetProducts` for the Pricing API. */
  action: string;
  /** The raw form params (Pricing: the JSON body flattened to `Filters.1.Field`-style keys). */
  params: Record<string, string>;
  /** Arrival time, epoch milliseconds. */
  at: number;
  /** The error code the call was answered with, if it failed. */
  error?: string;
}

/** What the control plane reads and changes. */
export interface ControlTarget {
  calls: RecordedCall[];
  instances(): EmulatedInstance[];
  launchTemplates(): EmulatedLaunchTemplate[];
  faults: FaultControl;
  setConsistency(consistency: Partial<Consistency>): void;
  setRateLimits(mode: RateLimitMode): void;
  reset(): void;
}

const RateLimitsRequest = z.object({ mode: z.enum(["aws", "off"]) }).strict();

const ConsistencyRequest = z.object({
  newIdMs: z.number().nonnegative().optional(),
  staleStateMs: z.number().nonnegative().optional(),
  terminatedVisibleMs: z.number().nonnegative().nullable().optional(),
}).strict();

const FaultRequest = z.discriminatedUnion("fault", [
  z.object({ fault: z.literal("throttle"), ms: z.number().nonnegative() }),
  z.object({
    fault: z.literal("insufficientCapacity"),
    ms: z.number().nonnegative(),
    instanceTypes: z.array(z.string()).optional(),
    azs: z.array(z.string()).optional(),
  }),
  z.object({
    fault: z.enum(["spotShortage", "unsupported"]),
    ms: z.number().nonnegative(),
    instanceTypes: z.array(z.string()).optional(),
    azs: z.array(z.string()).optional(),
  }),
  z.object({
    fault: z.literal("stallLaunches"),
    ms: z.number().nonnegative(),
    forMs: z.number().nonnegative(),
  }),
  z.object({
    fault: z.literal("tokenBucket"),
    ratePerSecond: z.number().positive().optional(),
    burst: z.number().int().positive().optional(),
  }),
  z.object({ fault: z.literal("interruptSpot"), instanceId: z.string() }),
  z.object({ fault: z.literal("clear") }),
]);

/** Answers a `/_emulator/…` request. */
export async function handleControl(request: Request, target: ControlTarget): Promise<Response> {
  const url = new URL(request.url);
  const route = `${request.method} ${url.pathname}`;
  switch (route) {
    case "GET /_emulator/health":
      return Response.json({ ok: true });
    case "GET /_emulator/calls": {
      const action = url.searchParams.get("action");
      return Response.json(target.calls.filter((call) => !action || call.action === action));
    }
    case "GET /_emulator/instances":
      return Response.json(target.instances());
    case "GET /_emulator/launch-templates":
      return Response.json(target.launchTemplates());
    case "POST /_emulator/faults":
      return applyFault(await readJson(request), target.faults);
    case "POST /_emulator/consistency": {
      const parsed = ConsistencyRequest.safeParse(await readJson(request));
      if (!parsed.success) {
        return problem(400, "InvalidConsistency", z.prettifyError(parsed.error));
      }
      const { terminatedVisibleMs, ...rest } = parsed.data;
      target.setConsistency({
        ...rest,
        ...(terminatedVisibleMs === undefined
          ? {}
          : { terminatedVisibleMs: terminatedVisibleMs ?? Infinity }),
      });
      return Response.json({ ok: true });
    }
    case "POST /_emulator/rate-limits": {
      const parsed = RateLimitsRequest.safeParse(await readJson(request));
      if (!parsed.success) return problem(400, "InvalidRateLimits", z.prettifyError(parsed.error));
      target.setRateLimits(parsed.data.mode);
      return Response.json({ ok: true });
    }
    case "POST /_emulator/reset":
      target.reset();
      return new Response(null, { status: 204 });
    default:
      return problem(404, "NotFound", `No control route ${route}.`);
  }
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch (error) {
    // A malformed body is the caller's mistake; zod reports it as an invalid fault below.
    return { parseError: String(error) };
  }
}

function applyFault(body: unknown, faults: FaultControl): Response {
  const parsed = FaultRequest.safeParse(body);
  if (!parsed.success) {
    return problem(400, "InvalidFault", z.prettifyError(parsed.error));
  }
  const fault = parsed.data;
  try {
    switch (fault.fault) {
      case "throttle":
        faults.throttle(fault.ms);
        break;
      case "insufficientCapacity":
        faults.insufficientCapacity(fault);
        break;
      case "spotShortage":
        faults.spotShortage(fault);
        break;
      case "unsupported":
        faults.unsupported(fault);
        break;
      case "stallLaunches":
        faults.stallLaunches(fault);
        break;
      case "tokenBucket":
        faults.tokenBucket(
          fault.ratePerSecond !== undefined && fault.burst !== undefined
            ? { ratePerSecond: fault.ratePerSecond, burst: fault.burst }
            : null,
        );
        break;
      case "interruptSpot":
        faults.interruptSpot(fault.instanceId);
        break;
      case "clear":
        faults.clear();
        break;
    }
  } catch (error) {
    if (error instanceof Ec2ApiError) return problem(404, error.code, error.message);
    if (error instanceof Error) return problem(409, "InvalidFault", error.message);
    throw error;
  }
  return Response.json({ ok: true });
}

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
