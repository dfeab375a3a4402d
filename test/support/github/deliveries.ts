/**
 * The app's webhook delivery log (`GET /app/hook/deliveries`) and
 * redeliveries (`POST /app/hook/deliveries/{id}/attempts`). Tests seed
 * deliveries, typically failed ones the core should redeliver.
 *
 * @module
 */
import type { components } from "@octokit/openapi-types";
import { githubTime } from "./accounts.ts";

/** One webhook delivery in the app's delivery log (ids stay within a JS number here). */
export type HookDelivery = Omit<components["schemas"]["hook-delivery-item"], "id"> & { id: number };

/** What a test says about a delivery; the rest is filled in. */
export type DeliverySeed = Partial<HookDelivery>;

/** The delivery log, newest first when listed. */
export class DeliveryLog {
  readonly #deliveries: HookDelivery[] = [];
  #nextId = 70_000_000_000;

  /** Add a delivery (by default a failed `workflow_job` `queued`); returns it. */
  add(seed: DeliverySeed = {}): HookDelivery {
    const delivery: HookDelivery = {
      id: seed.id ?? this.#nextId++,
      guid: crypto.randomUUID(),
      delivered_at: githubTime(),
      redelivery: false,
      duration: 0.31,
      status: "Invalid HTTP Response: 503",
      status_code: 503,
      event: "workflow_job",
      action: "queued",
      installation_id: null,
      repository_id: null,
      throttled_at: null,
      ...seed,
    };
    this.#nextId = Math.max(this.#nextId, delivery.id + 1);
    this.#deliveries.push(delivery);
    return delivery;
  }

  /** Every delivery, newest first. */
  list(): HookDelivery[] {
    return [...this.#deliveries].reverse();
  }

  /** Record a redelivery of `id` (same guid, `redelivery: true`); false when unknown. */
  redeliver(id: number): HookDelivery | undefined {
    const original = this.#deliveries.find((delivery) => delivery.id === id);
    if (original === undefined) return undefined;
    return this.add({
      guid: original.guid,
      event: original.event,
      action: original.action,
      installation_id: original.installation_id,
      repository_id: original.repository_id,
      redelivery: true,
      status: "OK",
      status_code: 200,
    });
  }
}
