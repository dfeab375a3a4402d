/**
 * Backup of the configuration: export every project with its repo bindings
 * and pools by stable name, and import such a document as upserts (projects
 * by name, pools by (project, name), repos by full name). An import never
 * deletes; importing the same document twice changes nothing the second
 * time. The plan is computed first, so a dry run shows exactly what an apply
 * would write, and the apply is one libSQL batch (all or nothing).
 */
import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { ConflictError } from "../../shared/errors.ts";
import { sanitizeLabel } from "../../shared/labels.ts";
import type {
  BackupDocument,
  ImportChange,
  ImportResult,
  PoolSettings,
} from "../../shared/schema/config_api.ts";
import type { Database } from "../api/database.ts";
import { poolSettingsOf } from "../../shared/pool_fields.ts";
import { columnsOf, scopeOf } from "./projects.ts";

/** Every project, its repos and pools, without ids or anything the core writes. */
export async function exportBackup(db: Database, now: number): Promise<BackupDocument> {
  const [allProjects, allRepos, allPools] = await Promise.all([
    db.select().from(projects).orderBy(projects.name),
    db.select().from(repos).orderBy(repos.fullName),
    db.select().from(pools).orderBy(pools.priority, pools.name),
  ]);
  return {
    kind: "gantry-backup",
    version: 1,
    exportedAt: now,
    projects: allProjects.map((project) => ({
      name: project.name,
      cap: project.cap,
      tags: project.tags,
      isDisabled: project.isDisabled,
      scope: scopeOf(project),
      repos: allRepos.filter((repo) => repo.projectId === project.id).map((repo) => ({
        fullName: repo.fullName,
        cap: repo.cap,
        tags: repo.tags,
      })),
      pools: allPools.filter((pool) => pool.projectId === project.id).map((pool) =>
        poolSettingsOf(pool)
      ),
    })),
  };
}

/**
 * Compares `backup` with libSQL and, unless `dryRun`, writes the difference.
 * @throws {ConflictError} when the result would break a rule the console
 *   enforces (a runner label or org taken by a project the document does not
 *   name, two default pools in a project).
 */
export async function importBackup(
  db: Database,
  backup: BackupDocument,
  options: { dryRun: boolean; now: number },
): Promise<ImportResult> {
  const { changes, writes } = await planImport(db, backup, options.now);
  if (!options.dryRun && writes.length > 0) {
    await db.batch(writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
  const count = (action: ImportChange["action"]) =>
    changes.filter((change) => change.action === action).length;
  return {
    isApplied: !options.dryRun,
    changes,
    summary: { create: count("create"), update: count("update"), unchanged: count("unchanged") },
  };
}

async function planImport(db: Database, backup: BackupDocument, now: number) {
  const [allProjects, allRepos, allPools] = await Promise.all([
    db.select().from(projects),
    db.select().from(repos),
    db.select().from(pools),
  ]);
  const changes: ImportChange[] = [];
  const writes: BatchItem<"sqlite">[] = [];
  const named = new Set(backup.projects.map((project) => project.name));
  const orgAfter = new Map(
    allProjects.filter((p) => !named.has(p.name)).map((p) => [p.org, p.name]),
  );

  for (const project of backup.projects) {
    const existing = allProjects.find((p) => p.name === project.name);
    const label = sanitizeLabel(project.name);
    const clash = allProjects.find((p) =>
      p.name !== project.name && !named.has(p.name) && sanitizeLabel(p.name) === label
    );
    if (clash) {
      throw new ConflictError(
        `project "${project.name}" has the runner label "${label}" of existing project ` +
          `"${clash.name}"; rename one of them`,
      );
    }
    const columns = columnsOf(project);
    if (columns.org !== null && orgAfter.has(columns.org)) {
      throw new ConflictError(
        `org "${columns.org}" is already the scope of project "${orgAfter.get(columns.org)}"`,
      );
    }
    const projectId = existing?.id ?? crypto.randomUUID();
    if (!existing) {
      changes.push({ kind: "project", key: project.name, action: "create", fields: [] });
      writes.push(
        db.insert(projects).values({ id: projectId, ...columns, createdAt: now, updatedAt: now }),
      );
    } else {
      const fields = changedFields(columns, existing, [
        "cap",
        "tags",
        "isDisabled",
        "org",
        "runnerGroupId",
      ]);
      changes.push(changeOf("project", project.name, fields));
      if (fields.length > 0) {
        writes.push(
          db.update(projects).set({ ...columns, updatedAt: now }).where(eq(projects.id, projectId)),
        );
      }
    }

    for (const repo of project.repos) {
      const bound = allRepos.find((r) => r.fullName === repo.fullName);
      const values = { projectId, cap: repo.cap, tags: repo.tags };
      if (!bound) {
        changes.push({ kind: "repo", key: repo.fullName, action: "create", fields: [] });
        writes.push(
          db.insert(repos).values({
            id: crypto.randomUUID(),
            fullName: repo.fullName,
            ...values,
            createdAt: now,
            updatedAt: now,
          }),
        );
        continue;
      }
      const fields = changedFields(values, bound, ["cap", "tags"]);
      if (bound.projectId !== projectId) fields.unshift("project");
      changes.push(changeOf("repo", repo.fullName, fields));
      if (fields.length > 0) {
        writes.push(
          db.update(repos).set({ ...values, updatedAt: now }).where(eq(repos.id, bound.id)),
        );
      }
    }

    const siblings = existing ? allPools.filter((p) => p.projectId === existing.id) : [];
    const untouched = siblings.filter((p) => !project.pools.some((q) => q.name === p.name));
    for (const pool of project.pools) {
      const poolLabel = sanitizeLabel(pool.name);
      const labelClash = untouched.find((p) => sanitizeLabel(p.name) === poolLabel);
      if (labelClash) {
        throw new ConflictError(
          `pool "${project.name}/${pool.name}" has the runner label of existing pool ` +
            `"${labelClash.name}"; rename one of them`,
        );
      }
    }
    const defaults = [
      ...project.pools.filter((p) => p.isDefault).map((p) => p.name),
      ...untouched.filter((p) => p.isDefault).map((p) => p.name),
    ];
    if (defaults.length > 1) {
      throw new ConflictError(
        `project "${project.name}" would have ${defaults.length} default pools ` +
          `(${defaults.join(", ")}); keep one`,
      );
    }
    for (const pool of project.pools) {
      const key = `${project.name}/${pool.name}`;
      const stored = siblings.find((p) => p.name === pool.name);
      // Column names are the settings' API keys (shared/pool_fields.ts).
      const columns = poolSettingsOf(pool);
      if (!stored) {
        changes.push({ kind: "pool", key, action: "create", fields: [] });
        writes.push(
          db.insert(pools).values({
            id: crypto.randomUUID(),
            projectId,
            ...columns,
            createdAt: now,
            updatedAt: now,
          }),
        );
        continue;
      }
      const fields = changedFields(
        pool,
        poolSettingsOf(stored),
        Object.keys(pool) as (keyof PoolSettings)[],
      );
      changes.push(changeOf("pool", key, fields));
      if (fields.length > 0) {
        writes.push(
          db.update(pools).set({ ...columns, updatedAt: now }).where(eq(pools.id, stored.id)),
        );
      }
    }
  }
  return { changes, writes };
}

function changeOf(kind: ImportChange["kind"], key: string, fields: string[]): ImportChange {
  return { kind, key, action: fields.length > 0 ? "update" : "unchanged", fields };
}

/** The `keys` whose values differ between `next` and `stored` (deep, key order ignored). */
function changedFields<T extends object, K extends keyof T & string>(
  next: T,
  stored: { [P in K]?: unknown },
  keys: readonly K[],
): string[] {
  return keys.filter((key) => canonical(next[key]) !== canonical(stored[key]));
}

function canonical(value: unknown): string {
  return JSON.stringify(
    value ?? null,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
        : v,
  );
}
