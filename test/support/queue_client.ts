/**
 * The queue as a test sees it from outside the edge: webhooks in, the
 * lease protocol out, /metrics for its gauges and counters. Every value is
 * returned whole, so a test asserts literals.
 */
import assert from "node:assert/strict";
import type { LeasedEvent } from "../../shared/schema/edge_core.ts";
import { corePost } from "./core_token.ts";
import { postWebhook, type WorkflowJobFixture, workflowJobPayload } from "./webhooks.ts";

export interface QueueClient {
  /** Posts a signed webhook; returns its status and body's `status`. */
  webhook(
    fixture: WorkflowJobFixture,
    options?: { deliveryId?: string },
  ): Promise<[number, string]>;
  lease(body: Record<string, unknown>): Promise<{ events: LeasedEvent[]; backlog: number }>;
  /** `settled` of an ack of `events` (or of the refs given). */
  ack(events: readonly Ref[]): Promise<number>;
  nack(events: readonly Ref[], delayMs: number): Promise<number>;
  /** Every `name value` line of /metrics, by name (labels included). */
  metrics(): Promise<Record<string, number>>;
}

export interface Ref {
  eventId: number;
  leaseId: string;
}

export function queueClient(
  url: string,
  options: { secret: string; privateKeyPem: string; metricsToken: string },
): QueueClient {
  const refs = (events: readonly Ref[]) =>
    events.map((e) => ({ eventId: e.eventId, leaseId: e.leaseId }));
  const post = async (path: string, body: unknown) => {
    const response = await corePost(url, options.privateKeyPem, path, body);
    if (response.status !== 200) {
      assert.fail(`${path} ${response.status}: ${await response.text()}`);
    }
    return await response.json();
  };
  return {
    async webhook(fixture, extra = {}) {
      const response = await postWebhook(url, await workflowJobPayload(fixture), {
        secret: options.secret,
        deliveryId: extra.deliveryId,
      });
      return [response.status, (await response.json()).status];
    },
    lease: (body) => post("/core/v1/lease", body),
    ack: async (events) => (await post("/core/v1/ack", { leases: refs(events) })).settled,
    nack: async (events, delayMs) =>
      (await post("/core/v1/nack", { leases: refs(events), delayMs })).settled,
    async metrics() {
      const response = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${options.metricsToken}` },
      });
      assert.equal(response.status, 200);
      const values: Record<string, number> = {};
      for (const line of (await response.text()).split("\n")) {
        const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (match) values[match[1]] = Number(match[2]);
      }
      return values;
    },
  };
}

/** The job id and action of a leased workflow_job event, as `id:action`. */
export function jobActionOf(event: LeasedEvent): string {
  if (event.message.type !== "workflow_job") assert.fail(`not a workflow_job: ${event.eventId}`);
  return `${event.message.job.githubJobId}:${event.message.action}`;
}
