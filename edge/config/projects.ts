/**
 * Projects in libSQL, as the console edits them. A project's name is a
 * runner label, so two names that sanitise to the same label conflict; an
 * org belongs to at most one project's scope.
 */
import { asc, eq, sql } from "drizzle-orm";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import { sanitizeLabel } from "../../shared/labels.ts";
import type { ProjectInput, ProjectScope, ProjectView } from "../../shared/schema/config_api.ts";
import type { Database } from "../api/database.ts";
import { conflictOnUnique } from "./errors.ts";
import { refuseTagOverflow } from "./tag_limit.ts";

type ProjectRow = typeof projects.$inferSelect;

/** Every project, by name, with how many repos and pools it has. */
export async function listProjects(db: Database): Promise<ProjectView[]> {
  const rows = await db.select({
    project: projects,
    repoCount: sql<number>`(SELECT count(*) FROM repos r WHERE r.project_id = ${projects.id})`,
    poolCount: sql<number>`(SELECT count(*) FROM pools p WHERE p.project_id = ${projects.id})`,
  }).from(projects).orderBy(asc(projects.name));
  return rows.map((row) =>
    projectView(row.project, { repos: Number(row.repoCount), pools: Number(row.poolCount) })
  );
}

/** @throws {NotFoundError} */
export async function projectById(db: Database, id: string): Promise<ProjectRow> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id));
  if (!row) throw new NotFoundError(`no project with id ${id}`);
  return row;
}

/**
 * Creates a project.
 * @throws {ConflictError} when its label or org is taken.
 */
export async function createProject(
  db: Database,
  input: ProjectInput,
  now: number,
): Promise<ProjectView> {
  const all = await db.select().from(projects);
  refuseProjectConflicts(all, input, null);
  const id = crypto.randomUUID();
  const [row] = await conflictOnUnique(
    () =>
      db.insert(projects).values({ id, ...columnsOf(input), createdAt: now, updatedAt: now })
        .returning(),
    `a project named "${input.name}" or scoped to that org already exists`,
  );
  return projectView(row, { repos: 0, pools: 0 });
}

/**
 * Replaces a project's settings.
 * @throws {NotFoundError} @throws {ConflictError}
 */
export async function updateProject(
  db: Database,
  id: string,
  input: ProjectInput,
  now: number,
): Promise<{ before: ProjectView; after: ProjectView }> {
  const before = await projectById(db, id);
  refuseProjectConflicts(await db.select().from(projects), input, id);
  await refuseTagOverflow(db, id, { project: { name: input.name, tags: input.tags } });
  const [row] = await conflictOnUnique(
    () =>
      db.update(projects).set({ ...columnsOf(input), updatedAt: now }).where(eq(projects.id, id))
        .returning(),
    `a project named "${input.name}" or scoped to that org already exists`,
  );
  const counts = await countsOf(db, id);
  return { before: projectView(before, counts), after: projectView(row, counts) };
}

/**
 * Deletes a project that has no repos and no pools left.
 * @throws {NotFoundError} @throws {ConflictError} naming what is still attached.
 */
export async function deleteProject(db: Database, id: string): Promise<ProjectView> {
  const row = await projectById(db, id);
  const counts = await countsOf(db, id);
  if (counts.repos > 0 || counts.pools > 0) {
    throw new ConflictError(
      `project "${row.name}" still has ${counts.repos} repo binding(s) and ` +
        `${counts.pools} pool(s); unbind and delete them first`,
    );
  }
  await db.delete(projects).where(eq(projects.id, id));
  return projectView(row, counts);
}

/** The stored columns for `input`: the scope becomes `org` (null for bound repos only). */
export function columnsOf(input: ProjectInput) {
  return {
    name: input.name,
    cap: input.cap,
    tags: input.tags,
    isDisabled: input.isDisabled,
    org: input.scope.kind === "org" ? input.scope.org : null,
    runnerGroupId: input.scope.kind === "org" ? input.scope.runnerGroupId ?? null : null,
  };
}

/** A stored project's scope: its org (and runner group, if set), else its bound repos. */
export function scopeOf(row: Pick<ProjectRow, "org" | "runnerGroupId">): ProjectScope {
  if (row.org === null) return { kind: "repos" };
  return row.runnerGroupId === null
    ? { kind: "org", org: row.org }
    : { kind: "org", org: row.org, runnerGroupId: row.runnerGroupId };
}

/** A project row as the API shows it. */
export function projectView(row: ProjectRow, counts: { repos: number; pools: number }) {
  const scope = scopeOf(row);
  return {
    id: row.id,
    name: row.name,
    cap: row.cap,
    tags: row.tags,
    isDisabled: row.isDisabled,
    scope,
    repoCount: counts.repos,
    poolCount: counts.pools,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  } satisfies ProjectView;
}

/**
 * Refuses a project whose runner label or org another project (not `selfId`) has.
 * @throws {ConflictError}
 */
export function refuseProjectConflicts(
  all: readonly ProjectRow[],
  input: ProjectInput,
  selfId: string | null,
): void {
  const label = sanitizeLabel(input.name);
  const others = all.filter((p) => p.id !== selfId);
  const sameLabel = others.find((p) => sanitizeLabel(p.name) === label);
  if (sameLabel) {
    throw new ConflictError(
      `project "${sameLabel.name}" already has the runner label "${label}"; choose another name`,
    );
  }
  if (input.scope.kind === "org") {
    const org = input.scope.org;
    const sameOrg = others.find((p) => p.org === org);
    if (sameOrg) {
      throw new ConflictError(`org "${org}" is already the scope of project "${sameOrg.name}"`);
    }
  }
}

async function countsOf(db: Database, id: string) {
  const [{ repoCount }] = await db.select({ repoCount: sql<number>`count(*)` }).from(repos)
    .where(eq(repos.projectId, id));
  const [{ poolCount }] = await db.select({ poolCount: sql<number>`count(*)` }).from(pools)
    .where(eq(pools.projectId, id));
  return { repos: Number(repoCount), pools: Number(poolCount) };
}
