/**
 * The Pools page's warm capacity: each pool's hot and stopped inventory,
 * the core's target and why, and what idle capacity cost today.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { WarmPoolsResponse } from "../../shared/schema/warm_pools.ts";
import type { OpsApi } from "../api/ops_client.ts";

/** The warm capacity model: the last answer, and why the last load failed. */
export interface WarmPoolsModel {
  readonly data: ReadonlySignal<WarmPoolsResponse | null>;
  readonly error: ReadonlySignal<string | null>;
  load(): Promise<void>;
}

/** A warm capacity model over `ops`. */
export function createWarmPoolsModel(ops: Pick<OpsApi, "warmPools">): WarmPoolsModel {
  const data = signal<WarmPoolsResponse | null>(null);
  const error = signal<string | null>(null);
  return {
    data,
    error,
    async load() {
      try {
        data.value = await ops.warmPools();
        error.value = null;
      } catch (reason) {
        error.value = reason instanceof Error ? reason.message : String(reason);
      }
    },
  };
}
