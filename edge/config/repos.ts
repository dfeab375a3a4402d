/**
 * Repo bindings in libSQL: each `owner/repo` (lower-cased, so GitHub's
 * case-insensitive names meet) belongs to exactly one project.
 */
import { asc, eq } from "drizzle-orm";
import { projects, repos } from "../../shared/db/schema.ts";
import { ConflictError, NotFoundError, UnprocessableError } from "../../shared/errors.ts";
import type { RepoInput, RepoView } from "../../shared/schema/config_api.ts";
import type { Database } from "../api/database.ts";
import { conflictOnUnique } from "./errors.ts";
import { refuseTagOverflow } from "./tag_limit.ts";

type RepoRow = typeof repos.$inferSelect;

/** Every binding, by repo name, with its project's name. */
export async function listRepos(db: Database): Promise<RepoView[]> {
  const rows = await db.select({ repo: repos, project: projects.name }).from(repos)
    .innerJoin(projects, eq(projects.id, repos.projectId)).orderBy(asc(repos.fullName));
  return rows.map((row) => repoView(row.repo, row.project));
}

/**
 * Binds a repo to a project.
 * @throws {UnprocessableError} for an unknown project. @throws {ConflictError} when already bound.
 */
export async function createRepo(db: Database, input: RepoInput, now: number): Promise<RepoView> {
  const project = await projectNameOf(db, input.projectId);
  await refuseBound(db, input.fullName, null);
  await refuseTagOverflow(db, input.projectId, {
    repo: { id: null, name: input.fullName, tags: input.tags },
  });
  const [row] = await conflictOnUnique(
    () =>
      db.insert(repos).values({
        id: crypto.randomUUID(),
        ...input,
        createdAt: now,
        updatedAt: now,
      }).returning(),
    `${input.fullName} is already bound to a project`,
  );
  return repoView(row, project);
}

/**
 * Replaces a binding (moving the repo to another project is allowed).
 * @throws {NotFoundError} @throws {UnprocessableError} @throws {ConflictError}
 */
export async function updateRepo(
  db: Database,
  id: string,
  input: RepoInput,
  now: number,
): Promise<{ before: RepoView; after: RepoView }> {
  const before = await repoById(db, id);
  const project = await projectNameOf(db, input.projectId);
  await refuseBound(db, input.fullName, id);
  await refuseTagOverflow(db, input.projectId, {
    repo: { id, name: input.fullName, tags: input.tags },
  });
  const [row] = await conflictOnUnique(
    () => db.update(repos).set({ ...input, updatedAt: now }).where(eq(repos.id, id)).returning(),
    `${input.fullName} is already bound to a project`,
  );
  return { before, after: repoView(row, project) };
}

/** Unbinds a repo: its next jobs are dropped unless an org scope takes them. */
export async function deleteRepo(db: Database, id: string): Promise<RepoView> {
  const before = await repoById(db, id);
  await db.delete(repos).where(eq(repos.id, id));
  return before;
}

async function repoById(db: Database, id: string): Promise<RepoView> {
  const [row] = await db.select({ repo: repos, project: projects.name }).from(repos)
    .innerJoin(projects, eq(projects.id, repos.projectId)).where(eq(repos.id, id));
  if (!row) throw new NotFoundError(`no repo binding with id ${id}`);
  return repoView(row.repo, row.project);
}

async function projectNameOf(db: Database, projectId: string): Promise<string> {
  const [row] = await db.select({ name: projects.name }).from(projects)
    .where(eq(projects.id, projectId));
  if (!row) throw new UnprocessableError(`project ${projectId} does not exist`);
  return row.name;
}

async function refuseBound(db: Database, fullName: string, selfId: string | null) {
  const [bound] = await db.select({ id: repos.id, project: projects.name }).from(repos)
    .innerJoin(projects, eq(projects.id, repos.projectId)).where(eq(repos.fullName, fullName));
  if (bound && bound.id !== selfId) {
    throw new ConflictError(
      `${fullName} is already bound to project "${bound.project}"; a repo belongs to one project`,
    );
  }
}

function repoView(row: RepoRow, project: string): RepoView {
  return {
    id: row.id,
    fullName: row.fullName,
    projectId: row.projectId,
    project,
    cap: row.cap,
    tags: row.tags,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
