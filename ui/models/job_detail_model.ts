/**
 * One job in detail: the job, its instance, and its timeline.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { JobDetailResponse } from "../../shared/schema/console.ts";
import { type ApiClient, ApiError } from "../api/client.ts";

/** The job detail model: signals and actions. */
export interface JobDetailModel {
  readonly detail: ReadonlySignal<JobDetailResponse | null>;
  readonly isLoading: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<string | null>;
  load(id: string): Promise<void>;
}

/** A job detail model over `api`. */
export function createJobDetailModel(api: ApiClient): JobDetailModel {
  const detail = signal<JobDetailResponse | null>(null);
  const isLoading = signal(false);
  const error = signal<string | null>(null);
  let latest = 0;
  return {
    detail,
    isLoading,
    error,
    async load(id) {
      const request = ++latest;
      isLoading.value = true;
      if (detail.value?.job.id !== id) detail.value = null;
      try {
        const answer = await api.job(id);
        if (request !== latest) return;
        detail.value = answer;
        error.value = null;
      } catch (reason) {
        if (request !== latest) return;
        error.value = reason instanceof ApiError && reason.status === 404
          ? `No job with id ${id}.`
          : reason instanceof Error
          ? reason.message
          : String(reason);
      } finally {
        if (request === latest) isLoading.value = false;
      }
    },
  };
}
