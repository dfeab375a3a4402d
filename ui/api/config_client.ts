/**
 * The console's calls to the configuration API: projects, repo bindings,
 * pools and backup. Built over the client's own `call`, so errors and
 * parsing behave exactly as for every other route.
 *
 * @module
 */
import type { z } from "zod";
import {
  BackupDocument,
  ImportResult,
  type PoolInput,
  PoolResponse,
  PoolsResponse,
  type PoolView,
  type ProjectInput,
  ProjectResponse,
  ProjectsResponse,
  type ProjectView,
  type RepoInput,
  RepoResponse,
  ReposResponse,
  type RepoView,
} from "../../shared/schema/config_api.ts";

/** How the client sends one request and parses its answer with `schema`. */
export type ApiCall = <T extends z.ZodType>(
  schema: T,
  path: string,
  init?: { method?: string; body?: unknown },
) => Promise<z.infer<T>>;

/** What the console asks of the configuration API. */
export interface ConfigApi {
  projects(): Promise<ProjectView[]>;
  /** Creates when `id` is null, else replaces. */
  saveProject(id: string | null, input: ProjectInput): Promise<ProjectView>;
  deleteProject(id: string): Promise<void>;
  repos(): Promise<RepoView[]>;
  saveRepo(id: string | null, input: RepoInput): Promise<RepoView>;
  deleteRepo(id: string): Promise<void>;
  pools(): Promise<PoolView[]>;
  savePool(id: string | null, input: PoolInput): Promise<PoolView>;
  deletePool(id: string): Promise<void>;
  exportBackup(): Promise<BackupDocument>;
  /** With `dryRun`, only the diff; else applies it. */
  importBackup(backup: BackupDocument, options: { dryRun: boolean }): Promise<ImportResult>;
}

/** The {@link ConfigApi} over `call`. */
export function createConfigApi(call: ApiCall): ConfigApi {
  const save =
    <T extends z.ZodType>(schema: T, collection: string) => (id: string | null, body: unknown) =>
      call(schema, id === null ? `/api/v1/${collection}` : `/api/v1/${collection}/${enc(id)}`, {
        method: id === null ? "POST" : "PUT",
        body,
      });
  const remove = (schema: z.ZodType, collection: string) => async (id: string) => {
    await call(schema, `/api/v1/${collection}/${enc(id)}`, { method: "DELETE" });
  };
  return {
    projects: async () => (await call(ProjectsResponse, "/api/v1/projects")).projects,
    saveProject: async (id, input) => (await save(ProjectResponse, "projects")(id, input)).project,
    deleteProject: remove(ProjectResponse, "projects"),
    repos: async () => (await call(ReposResponse, "/api/v1/repos")).repos,
    saveRepo: async (id, input) => (await save(RepoResponse, "repos")(id, input)).repo,
    deleteRepo: remove(RepoResponse, "repos"),
    pools: async () => (await call(PoolsResponse, "/api/v1/pools")).pools,
    savePool: async (id, input) => (await save(PoolResponse, "pools")(id, input)).pool,
    deletePool: remove(PoolResponse, "pools"),
    exportBackup: () => call(BackupDocument, "/api/v1/backup"),
    importBackup: (backup, { dryRun }) =>
      call(ImportResult, `/api/v1/backup/import${dryRun ? "?dryRun=true" : ""}`, {
        method: "POST",
        body: backup,
      }),
  };
}

function enc(id: string): string {
  return encodeURIComponent(id);
}
