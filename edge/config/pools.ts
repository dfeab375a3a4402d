/**
 * Pools in libSQL, as the console edits them. Within a project a pool's name
 * is a runner label (two names that sanitise alike conflict) and at most one
 * pool is the default. The core reads pools per job, so an edit here takes
 * effect on the next job; the launch template columns are the core's and are
 * never written here.
 */
import { asc, eq } from "drizzle-orm";
import { pools, projects } from "../../shared/db/schema.ts";
import { ConflictError, NotFoundError, UnprocessableError } from "../../shared/errors.ts";
import { sanitizeLabel } from "../../shared/labels.ts";
import { poolSettingsOf } from "../../shared/pool_fields.ts";
import type { PoolInput, PoolView } from "../../shared/schema/config_api.ts";
import type { Database } from "../api/database.ts";
import { conflictOnUnique } from "./errors.ts";
import { refuseTagOverflow } from "./tag_limit.ts";

type PoolRow = typeof pools.$inferSelect;

/** Every pool, by project then priority then name. */
export async function listPools(db: Database): Promise<PoolView[]> {
  const rows = await db.select({ pool: pools, project: projects.name }).from(pools)
    .innerJoin(projects, eq(projects.id, pools.projectId))
    .orderBy(asc(projects.name), asc(pools.priority), asc(pools.name));
  return rows.map((row) => poolView(row.pool, row.project));
}

/**
 * Creates a pool.
 * @throws {UnprocessableError} for an unknown project. @throws {ConflictError}
 */
export async function createPool(db: Database, input: PoolInput, now: number): Promise<PoolView> {
  const project = await projectNameOf(db, input.projectId);
  await refusePoolConflicts(db, input, null);
  await refuseTagOverflow(db, input.projectId, {
    pool: { id: null, name: input.name, tags: input.tags },
  });
  const [row] = await conflictOnUnique(
    () =>
      db.insert(pools).values({
        id: crypto.randomUUID(),
        ...poolSettingsOf(input),
        projectId: input.projectId,
        createdAt: now,
        updatedAt: now,
      }).returning(),
    `project "${project}" already has a pool named "${input.name}"`,
  );
  return poolView(row, project);
}

/**
 * Replaces a pool's settings (it may move to another project).
 * @throws {NotFoundError} @throws {UnprocessableError} @throws {ConflictError}
 */
export async function updatePool(
  db: Database,
  id: string,
  input: PoolInput,
  now: number,
): Promise<{ before: PoolView; after: PoolView }> {
  const before = await poolById(db, id);
  const project = await projectNameOf(db, input.projectId);
  await refusePoolConflicts(db, input, id);
  await refuseTagOverflow(db, input.projectId, {
    pool: { id, name: input.name, tags: input.tags },
  });
  const [row] = await conflictOnUnique(
    () =>
      db.update(pools).set({ ...poolSettingsOf(input), projectId: input.projectId, updatedAt: now })
        .where(eq(pools.id, id)).returning(),
    `project "${project}" already has a pool named "${input.name}"`,
  );
  return { before, after: poolView(row, project) };
}

/** Deletes a pool; jobs already launched keep running and are reaped as before. */
export async function deletePool(db: Database, id: string): Promise<PoolView> {
  const before = await poolById(db, id);
  await db.delete(pools).where(eq(pools.id, id));
  return before;
}

async function poolById(db: Database, id: string): Promise<PoolView> {
  const [row] = await db.select({ pool: pools, project: projects.name }).from(pools)
    .innerJoin(projects, eq(projects.id, pools.projectId)).where(eq(pools.id, id));
  if (!row) throw new NotFoundError(`no pool with id ${id}`);
  return poolView(row.pool, row.project);
}

async function projectNameOf(db: Database, projectId: string): Promise<string> {
  const [row] = await db.select({ name: projects.name }).from(projects)
    .where(eq(projects.id, projectId));
  if (!row) throw new UnprocessableError(`project ${projectId} does not exist`);
  return row.name;
}

async function refusePoolConflicts(db: Database, input: PoolInput, selfId: string | null) {
  const siblings = (await db.select().from(pools).where(eq(pools.projectId, input.projectId)))
    .filter((pool) => pool.id !== selfId);
  const label = sanitizeLabel(input.name);
  const sameLabel = siblings.find((pool) => sanitizeLabel(pool.name) === label);
  if (sameLabel) {
    throw new ConflictError(
      `pool "${sameLabel.name}" of this project already has the runner label "${label}"`,
    );
  }
  const otherDefault = input.isDefault && siblings.find((pool) => pool.isDefault);
  if (otherDefault) {
    throw new ConflictError(
      `pool "${otherDefault.name}" is already this project's default; unset it first`,
    );
  }
}

function poolView(row: PoolRow, project: string): PoolView {
  return {
    ...poolSettingsOf(row),
    id: row.id,
    projectId: row.projectId,
    project,
    launchTemplateId: row.launchTemplateId,
    launchTemplateVersion: row.launchTemplateVersion,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
