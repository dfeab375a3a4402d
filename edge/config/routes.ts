/**
 * `/api/v1/projects`, `/repos`, `/pools` and `/backup`: the configuration the
 * core routes jobs by, edited from the console. Reads need a session (the
 * API's middleware), changes the admin role; every change is validated with
 * the shared zod schemas and written to the audit log, and every change the
 * edge refuses is written there too, as failed (refusal_audit.ts).
 */
import { Hono } from "hono";
import {
  BackupDocument,
  ImportQuery,
  ImportResult,
  PoolInput,
  PoolResponse,
  PoolsResponse,
  ProjectInput,
  ProjectResponse,
  ProjectsResponse,
  RepoInput,
  RepoResponse,
  ReposResponse,
} from "../../shared/schema/config_api.ts";
import { auditedWrite, settingsOf } from "../api/audited_write.ts";
import { databaseOf } from "../api/database.ts";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { describe } from "../openapi/describe.ts";
import { jsonBody, queryOf, readJsonBody } from "../validation.ts";
import { exportBackup, importBackup } from "./backup.ts";
import { auditRefusedChanges } from "./refusal_audit.ts";
import { createPool, deletePool, listPools, updatePool } from "./pools.ts";
import { createProject, deleteProject, listProjects, updateProject } from "./projects.ts";
import { createRepo, deleteRepo, listRepos, updateRepo } from "./repos.ts";

const admin = requireOperator("admin");

/** Targets as the audit log names them. */
const poolTarget = (pool: { project: string; name: string }) => `${pool.project}/${pool.name}`;

/** Each route's entry in the OpenAPI document. Every change is audited, refused ones too. */
const docs = {
  listProjects: describe({
    summary: "Projects",
    access: "viewer",
    responses: { 200: ProjectsResponse },
  }),
  createProject: describe({
    summary: "Create a project",
    access: "admin",
    responses: { 201: ProjectResponse },
    refusals: [409, 422],
  }),
  updateProject: describe({
    summary: "Replace a project's settings",
    access: "admin",
    responses: { 200: ProjectResponse },
    refusals: [404, 409, 422],
  }),
  deleteProject: describe({
    summary: "Delete a project (refused while repos or pools use it)",
    access: "admin",
    responses: { 200: ProjectResponse },
    refusals: [404, 409],
  }),
  listRepos: describe({
    summary: "Repo bindings",
    access: "viewer",
    responses: { 200: ReposResponse },
  }),
  bindRepo: describe({
    summary: "Bind a repo to a project",
    access: "admin",
    responses: { 201: RepoResponse },
    refusals: [409, 422],
  }),
  updateRepo: describe({
    summary: "Replace a repo binding's settings",
    access: "admin",
    responses: { 200: RepoResponse },
    refusals: [404, 409, 422],
  }),
  unbindRepo: describe({
    summary: "Unbind a repo",
    access: "admin",
    responses: { 200: RepoResponse },
    refusals: [404],
  }),
  listPools: describe({ summary: "Pools", access: "viewer", responses: { 200: PoolsResponse } }),
  createPool: describe({
    summary: "Create a pool",
    access: "admin",
    responses: { 201: PoolResponse },
    refusals: [409, 422],
  }),
  updatePool: describe({
    summary: "Replace a pool's settings",
    access: "admin",
    responses: { 200: PoolResponse },
    refusals: [404, 409, 422],
  }),
  deletePool: describe({
    summary: "Delete a pool",
    access: "admin",
    responses: { 200: PoolResponse },
    refusals: [404],
  }),
  exportBackup: describe({
    summary: "Export the whole configuration (audited)",
    access: "admin",
    responses: { 200: BackupDocument },
  }),
  importBackup: describe({
    summary: "Import a backup: create and update by name; `dryRun=true` only shows the diff",
    access: "admin",
    responses: { 200: ImportResult },
    refusals: [409, 422],
  }),
};

export const configRoutes = new Hono<AppEnv>()
  .use("/api/v1/projects/*", auditRefusedChanges, readJsonBody)
  .use("/api/v1/repos/*", auditRefusedChanges, readJsonBody)
  .use("/api/v1/pools/*", auditRefusedChanges, readJsonBody)
  .use("/api/v1/backup/import", auditRefusedChanges, readJsonBody)
  .get(
    "/api/v1/projects",
    docs.listProjects,
    async (c) => c.json({ projects: await listProjects(databaseOf(c.env)) }),
  )
  .post("/api/v1/projects", docs.createProject, admin, jsonBody(ProjectInput), async (c) => {
    const input = c.req.valid("json");
    const project = await auditedWrite(c, {
      action: "project.create",
      write: (db) => createProject(db, input, Date.now()),
      audit: (project) => ({ target: project.name, payload: { after: input } }),
    });
    return c.json({ project }, 201);
  })
  .put("/api/v1/projects/:id", docs.updateProject, admin, jsonBody(ProjectInput), async (c) => {
    const input = c.req.valid("json");
    const { after } = await auditedWrite(c, {
      action: "project.update",
      write: (db) => updateProject(db, c.req.param("id"), input, Date.now()),
      audit: ({ before, after }) => ({
        target: after.name,
        payload: { before: settingsOf(before), after: input },
      }),
    });
    return c.json({ project: after });
  })
  .delete("/api/v1/projects/:id", docs.deleteProject, admin, async (c) => {
    const before = await auditedWrite(c, {
      action: "project.delete",
      write: (db) => deleteProject(db, c.req.param("id")),
      audit: (before) => ({ target: before.name, payload: { before: settingsOf(before) } }),
    });
    return c.json({ project: before });
  })
  .get(
    "/api/v1/repos",
    docs.listRepos,
    async (c) => c.json({ repos: await listRepos(databaseOf(c.env)) }),
  )
  .post("/api/v1/repos", docs.bindRepo, admin, jsonBody(RepoInput), async (c) => {
    const input = c.req.valid("json");
    const repo = await auditedWrite(c, {
      action: "repo.bind",
      write: (db) => createRepo(db, input, Date.now()),
      audit: (repo) => ({
        target: repo.fullName,
        payload: { after: { ...input, project: repo.project } },
      }),
    });
    return c.json({ repo }, 201);
  })
  .put("/api/v1/repos/:id", docs.updateRepo, admin, jsonBody(RepoInput), async (c) => {
    const input = c.req.valid("json");
    const { after } = await auditedWrite(c, {
      action: "repo.update",
      write: (db) => updateRepo(db, c.req.param("id"), input, Date.now()),
      audit: ({ before, after }) => ({
        target: after.fullName,
        payload: { before: settingsOf(before), after: { ...input, project: after.project } },
      }),
    });
    return c.json({ repo: after });
  })
  .delete("/api/v1/repos/:id", docs.unbindRepo, admin, async (c) => {
    const before = await auditedWrite(c, {
      action: "repo.unbind",
      write: (db) => deleteRepo(db, c.req.param("id")),
      audit: (before) => ({ target: before.fullName, payload: { before: settingsOf(before) } }),
    });
    return c.json({ repo: before });
  })
  .get(
    "/api/v1/pools",
    docs.listPools,
    async (c) => c.json({ pools: await listPools(databaseOf(c.env)) }),
  )
  .post("/api/v1/pools", docs.createPool, admin, jsonBody(PoolInput), async (c) => {
    const input = c.req.valid("json");
    const pool = await auditedWrite(c, {
      action: "pool.create",
      write: (db) => createPool(db, input, Date.now()),
      audit: (pool) => ({ target: poolTarget(pool), payload: { after: input } }),
    });
    return c.json({ pool }, 201);
  })
  .put("/api/v1/pools/:id", docs.updatePool, admin, jsonBody(PoolInput), async (c) => {
    const input = c.req.valid("json");
    const { after } = await auditedWrite(c, {
      action: "pool.update",
      write: (db) => updatePool(db, c.req.param("id"), input, Date.now()),
      audit: ({ before, after }) => ({
        target: poolTarget(after),
        payload: { before: settingsOf(before), after: input },
      }),
    });
    return c.json({ pool: after });
  })
  .delete("/api/v1/pools/:id", docs.deletePool, admin, async (c) => {
    const before = await auditedWrite(c, {
      action: "pool.delete",
      write: (db) => deletePool(db, c.req.param("id")),
      audit: (before) => ({ target: poolTarget(before), payload: { before: settingsOf(before) } }),
    });
    return c.json({ pool: before });
  })
  // The export is a read, but it copies the whole configuration out: admins only, audited.
  .get("/api/v1/backup", docs.exportBackup, admin, async (c) => {
    const backup = await auditedWrite(c, {
      action: "backup.export",
      write: (db) => exportBackup(db, Date.now()),
      audit: (backup) => ({ payload: { projects: backup.projects.length } }),
    });
    return c.json(backup);
  })
  .post(
    "/api/v1/backup/import",
    docs.importBackup,
    admin,
    queryOf(ImportQuery),
    jsonBody(BackupDocument),
    async (c) => {
      const { dryRun } = c.req.valid("query");
      const backup = c.req.valid("json");
      const result = await auditedWrite(c, {
        action: "backup.import",
        write: (db) => importBackup(db, backup, { dryRun, now: Date.now() }),
        // A dry run changes nothing, so it leaves no row.
        audit: (result) =>
          result.isApplied
            ? {
              payload: {
                summary: result.summary,
                changes: result.changes.filter((change) => change.action !== "unchanged"),
              },
            }
            : null,
      });
      return c.json(result);
    },
  );
