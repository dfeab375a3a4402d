/**
 * The jobs list: filters, the current page, and cursor paging (forward by
 * the API's `nextCursor`, back by the cursors already seen).
 *
 * @module
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import { isJobState, type JobState } from "../../shared/job_state.ts";
import type { JobView } from "../../shared/schema/api.ts";
import type { ApiClient } from "../api/client.ts";

/** What the list is filtered by; absent means any. */
export interface JobsFilter {
  status?: JobState;
  project?: string;
  pool?: string;
  repo?: string;
}

const FILTER_KEYS = ["status", "project", "pool", "repo"] as const;

/** The jobs model: signals and actions. */
export interface JobsModel {
  readonly filter: ReadonlySignal<JobsFilter>;
  readonly jobs: ReadonlySignal<JobView[]>;
  /** 1 for the newest page. */
  readonly page: ReadonlySignal<number>;
  readonly hasNext: ReadonlySignal<boolean>;
  readonly hasPrevious: ReadonlySignal<boolean>;
  readonly isLoading: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<string | null>;
  /** Shows the newest page matching `filter`. */
  load(filter: JobsFilter): Promise<void>;
  next(): Promise<void>;
  previous(): Promise<void>;
  /** Reloads the current page. */
  refresh(): Promise<void>;
}

/** A jobs model over `api`. */
export function createJobsModel(api: ApiClient, options: { pageSize?: number } = {}): JobsModel {
  const limit = options.pageSize ?? 50;
  const filter = signal<JobsFilter>({});
  const jobs = signal<JobView[]>([]);
  const nextCursor = signal<string | null>(null);
  /** Cursors of the pages before the current one; the current page's own cursor last. */
  const cursors = signal<(string | undefined)[]>([undefined]);
  const isLoading = signal(false);
  const error = signal<string | null>(null);
  let latest = 0;

  const show = async (cursor: string | undefined, stack: (string | undefined)[]) => {
    const request = ++latest;
    isLoading.value = true;
    try {
      const answer = await api.jobs({ ...filter.value, cursor, limit });
      // A slower answer to an older request must not replace a newer one.
      if (request !== latest) return;
      jobs.value = answer.jobs;
      nextCursor.value = answer.nextCursor;
      cursors.value = stack;
      error.value = null;
    } catch (reason) {
      if (request === latest) {
        error.value = reason instanceof Error ? reason.message : String(reason);
      }
    } finally {
      if (request === latest) isLoading.value = false;
    }
  };

  return {
    filter,
    jobs,
    page: computed(() => cursors.value.length),
    hasNext: computed(() => nextCursor.value !== null),
    hasPrevious: computed(() => cursors.value.length > 1),
    isLoading,
    error,
    load(next) {
      filter.value = next;
      return show(undefined, [undefined]);
    },
    next() {
      const cursor = nextCursor.value;
      if (cursor === null) return Promise.resolve();
      return show(cursor, [...cursors.value, cursor]);
    },
    previous() {
      if (cursors.value.length < 2) return Promise.resolve();
      const stack = cursors.value.slice(0, -1);
      return show(stack.at(-1), stack);
    },
    refresh() {
      return show(cursors.value.at(-1), cursors.value);
    },
  };
}

/** The filter a URL query names; unknown statuses and empty values are dropped. */
export function filterOf(query: URLSearchParams): JobsFilter {
  const filter: JobsFilter = {};
  const status = query.get("status");
  if (isJobState(status)) filter.status = status;
  for (const key of ["project", "pool", "repo"] as const) {
    const value = query.get(key)?.trim();
    if (value) filter[key] = value;
  }
  return filter;
}

/** The URL query for `filter`, e.g. `?status=failed&repo=o%2Fr`, or "". */
export function searchOf(filter: JobsFilter): string {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filter[key];
    if (value) query.set(key, value);
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}
