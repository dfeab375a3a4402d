/**
 * What every EC2 action handler is given: the emulator's state, the request
 * time, and the idempotency ledger behind `ClientToken`.
 *
 * @module
 */

import type { Faults } from "./faults.ts";
import type { InstanceStore } from "./instances.ts";
import type { LaunchTemplateStore } from "./launch_templates.ts";
import { Ec2ApiError, type Params, type XmlValue } from "./protocol.ts";

/** The emulator state an action reads and changes. */
export interface Ec2Context {
  instances: InstanceStore;
  templates: LaunchTemplateStore;
  faults: Faults;
  /** Results already given per `Action:ClientToken`, with the request they answered. */
  tokens: Map<string, { fingerprint: string; result: unknown }>;
  /** The request time, epoch milliseconds. */
  now: number;
}

/** Handles one EC2 action: reads the form params, returns the body of the XML response. */
export type ActionHandler = (params: Params, context: Ec2Context) => XmlValue;

/**
 * Runs `launch` once per ClientToken: a repeat of the same request gets the
 * first result back (through `replay`) and launches nothing; the same token
 * with different parameters is IdempotentParameterMismatch, as in EC2.
 */
export function idempotent<T>(
  params: Params,
  context: Ec2Context,
  steps: { launch: () => T; replay: (first: T) => XmlValue; render: (result: T) => XmlValue },
): XmlValue {
  const token = params.ClientToken;
  if (!token) return steps.render(steps.launch());
  const key = `${params.Action}:${token}`;
  const fingerprint = fingerprintOf(params);
  const seen = context.tokens.get(key);
  if (seen) {
    if (seen.fingerprint !== fingerprint) {
      throw new Ec2ApiError(
        "IdempotentParameterMismatch",
        `Client token '${token}' was already used with different parameters.`,
      );
    }
    return steps.replay(seen.result as T);
  }
  const result = steps.launch();
  context.tokens.set(key, { fingerprint, result });
  return steps.render(result);
}

function fingerprintOf(params: Params): string {
  const significant = Object.entries(params)
    .filter(([key]) => key !== "ClientToken" && key !== "Version")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(significant);
}
