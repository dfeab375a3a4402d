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
  PoolInput,
  ProjectInput,
  RepoInput,
} from "../../shared/schema/config_api.ts";
import { recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { parseBody, parseQuery } from "../validation.ts";
import { exportBackup, importBackup } from "./backup.ts";
import { auditRefusedChanges } from "./refusal_audit.ts";
import { createPool, deletePool, listPools, updatePool } from "./pools.ts";
import { createProject, deleteProject, listProjects, updateProject } from "./projects.ts";
import { createRepo, deleteRepo, listRepos, updateRepo } from "./repos.ts";

const admin = requireOperator("admin");

/** Who the audit log names for this request's operator. */
function actorOf(operator: AppEnv["Variables"]["operator"]): string {
  return operator.email ?? operator.sub;
}

export const configRoutes = new Hono<AppEnv>()
  .use("/api/v1/projects/*", auditRefusedChanges)
  .use("/api/v1/repos/*", auditRefusedChanges)
  .use("/api/v1/pools/*", auditRefusedChanges)
  .use("/api/v1/backup/import", auditRefusedChanges)
  .get("/api/v1/projects", async (c) => c.json({ projects: await listProjects(databaseOf(c.env)) }))
  .post("/api/v1/projects", admin, async (c) => {
    const input = await parseBody(c.req.raw, ProjectInput);
    const db = databaseOf(c.env);
    const project = await createProject(db, input, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "project.create",
      target: project.name,
      outcome: "ok",
      payload: { after: input },
    });
    return c.json({ project }, 201);
  })
  .put("/api/v1/projects/:id", admin, async (c) => {
    const input = await parseBody(c.req.raw, ProjectInput);
    const db = databaseOf(c.env);
    const { before, after } = await updateProject(db, c.req.param("id"), input, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "project.update",
      target: after.name,
      outcome: "ok",
      payload: { before: settingsOf(before), after: input },
    });
    return c.json({ project: after });
  })
  .delete("/api/v1/projects/:id", admin, async (c) => {
    const db = databaseOf(c.env);
    const before = await deleteProject(db, c.req.param("id"));
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "project.delete",
      target: before.name,
      outcome: "ok",
      payload: { before: settingsOf(before) },
    });
    return c.json({ project: before });
  })
  .get("/api/v1/repos", async (c) => c.json({ repos: await listRepos(databaseOf(c.env)) }))
  .post("/api/v1/repos", admin, async (c) => {
    const input = await parseBody(c.req.raw, RepoInput);
    const db = databaseOf(c.env);
    const repo = await createRepo(db, input, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "repo.bind",
      target: repo.fullName,
      outcome: "ok",
      payload: { after: { ...input, project: repo.project } },
    });
    return c.json({ repo }, 201);
  })
  .put("/api/v1/repos/:id", admin, async (c) => {
    const input = await parseBody(c.req.raw, RepoInput);
    const db = databaseOf(c.env);
    const { before, after } = await updateRepo(db, c.req.param("id"), input, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "repo.update",
      target: after.fullName,
      outcome: "ok",
      payload: { before: settingsOf(before), after: { ...input, project: after.project } },
    });
    return c.json({ repo: after });
  })
  .delete("/api/v1/repos/:id", admin, async (c) => {
    const db = databaseOf(c.env);
    const before = await deleteRepo(db, c.req.param("id"));
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "repo.unbind",
      target: before.fullName,
      outcome: "ok",
      payload: { before: settingsOf(before) },
    });
    return c.json({ repo: before });
  })
  .get("/api/v1/pools", async (c) => c.json({ pools: await listPools(databaseOf(c.env)) }))
  .post("/api/v1/pools", admin, async (c) => {
    const input = await parseBody(c.req.raw, PoolInput);
    const db = databaseOf(c.env);
    const pool = await createPool(db, input, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "pool.create",
      target: `${pool.project}/${pool.name}`,
      outcome: "ok",
      payload: { after: input },
    });
    return c.json({ pool }, 201);
  })
  .put("/api/v1/pools/:id", admin, async (c) => {
    const input = await parseBody(c.req.raw, PoolInput);
    const db = databaseOf(c.env);
    const { before, after } = await updatePool(db, c.req.param("id"), input, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "pool.update",
      target: `${after.project}/${after.name}`,
      outcome: "ok",
      payload: { before: settingsOf(before), after: input },
    });
    return c.json({ pool: after });
  })
  .delete("/api/v1/pools/:id", admin, async (c) => {
    const db = databaseOf(c.env);
    const before = await deletePool(db, c.req.param("id"));
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "pool.delete",
      target: `${before.project}/${before.name}`,
      outcome: "ok",
      payload: { before: settingsOf(before) },
    });
    return c.json({ pool: before });
  })
  // The export is a read, but it copies the whole configuration out: admins only, audited.
  .get("/api/v1/backup", admin, async (c) => {
    const db = databaseOf(c.env);
    const backup = await exportBackup(db, Date.now());
    await recordAudit(db, {
      actor: actorOf(c.get("operator")),
      action: "backup.export",
      outcome: "ok",
      payload: { projects: backup.projects.length },
    });
    return c.json(backup);
  })
  .post("/api/v1/backup/import", admin, async (c) => {
    const { dryRun } = parseQuery(c.req.url, ImportQuery);
    const backup = await parseBody(c.req.raw, BackupDocument);
    const db = databaseOf(c.env);
    const result = await importBackup(db, backup, { dryRun, now: Date.now() });
    if (result.isApplied) {
      await recordAudit(db, {
        actor: actorOf(c.get("operator")),
        action: "backup.import",
        outcome: "ok",
        payload: {
          summary: result.summary,
          changes: result.changes.filter((change) => change.action !== "unchanged"),
        },
      });
    }
    return c.json(result);
  });

/** An entity's settings for the audit payload: its timestamps and counts left out. */
function settingsOf<T extends { createdAt: number; updatedAt: number }>(view: T) {
  const { createdAt: _created, updatedAt: _updated, ...settings } = view;
  return settings;
}
