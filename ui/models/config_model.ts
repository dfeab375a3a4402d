/**
 * The configuration pages' model: projects, repo bindings and pools, loaded
 * together (each page names the others: a repo's project, a pool's repos),
 * and the actions that change them. Every save validates in the browser with
 * the API's own schema first, then shows the server's answer by field.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { z } from "zod";
import {
  PoolInput,
  type PoolView,
  ProjectInput,
  type ProjectView,
  RepoInput,
  type RepoView,
} from "../../shared/schema/config_api.ts";
import type { ApiClient } from "../api/client.ts";
import { errorsOfFailure, type SaveResult, validate } from "../forms/form_errors.ts";

/** The configuration model: signals and actions. */
export interface ConfigModel {
  readonly projects: ReadonlySignal<ProjectView[]>;
  readonly repos: ReadonlySignal<RepoView[]>;
  readonly pools: ReadonlySignal<PoolView[]>;
  readonly isLoading: ReadonlySignal<boolean>;
  /** Why the last load or delete failed. */
  readonly error: ReadonlySignal<string | null>;
  /** Loads projects, repos and pools. */
  load(): Promise<void>;
  /** Creates (`id` null) or replaces a project from the form's raw values. */
  saveProject(id: string | null, raw: unknown): Promise<SaveResult>;
  saveRepo(id: string | null, raw: unknown): Promise<SaveResult>;
  savePool(id: string | null, raw: unknown): Promise<SaveResult>;
  /** Deletes; false (and `error` says why) when the edge refused. */
  deleteProject(id: string): Promise<boolean>;
  deleteRepo(id: string): Promise<boolean>;
  deletePool(id: string): Promise<boolean>;
}

/** A configuration model over `api`. */
export function createConfigModel(api: ApiClient): ConfigModel {
  const projects = signal<ProjectView[]>([]);
  const repos = signal<RepoView[]>([]);
  const pools = signal<PoolView[]>([]);
  const isLoading = signal(false);
  const error = signal<string | null>(null);

  const load = async () => {
    isLoading.value = true;
    try {
      const [p, r, q] = await Promise.all([
        api.config.projects(),
        api.config.repos(),
        api.config.pools(),
      ]);
      projects.value = p;
      repos.value = r;
      pools.value = q;
      error.value = null;
    } catch (reason) {
      error.value = reason instanceof Error ? reason.message : String(reason);
    } finally {
      isLoading.value = false;
    }
  };

  /** Validates, sends, reloads: the shape of every save. */
  const saver = <S extends z.ZodType>(
    schema: S,
    send: (id: string | null, input: z.infer<S>) => Promise<unknown>,
  ) =>
  async (id: string | null, raw: unknown): Promise<SaveResult> => {
    const checked = validate(schema, raw);
    if (!checked.ok) return checked;
    try {
      await send(id, checked.value);
    } catch (reason) {
      return { ok: false, errors: errorsOfFailure(reason) };
    }
    await load();
    return { ok: true };
  };

  const deleter = (remove: (id: string) => Promise<void>) => async (id: string) => {
    try {
      await remove(id);
    } catch (reason) {
      error.value = errorsOfFailure(reason).message;
      return false;
    }
    await load();
    return true;
  };

  return {
    projects,
    repos,
    pools,
    isLoading,
    error,
    load,
    saveProject: saver(ProjectInput, api.config.saveProject),
    saveRepo: saver(RepoInput, api.config.saveRepo),
    savePool: saver(PoolInput, api.config.savePool),
    deleteProject: deleter(api.config.deleteProject),
    deleteRepo: deleter(api.config.deleteRepo),
    deletePool: deleter(api.config.deletePool),
  };
}
