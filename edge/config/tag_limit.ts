/**
 * The merged tag limit, checked when a project, pool or repo binding is
 * saved: an instance carries its project's, pool's and repo's tags plus
 * Gantry's own, and EC2 refuses a launch whose instance would carry more than
 * 50. Each layer passes its own check (40 at most); this one looks at the
 * layers together, as the core will merge them (shared/tags.ts).
 */
import { eq } from "drizzle-orm";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { type NamedTags, projectTagOverflow } from "../../shared/tags.ts";
import type { Database } from "../api/database.ts";
import { UnprocessableError } from "../../shared/errors.ts";

/** The layer being saved (a null id: not stored yet). */
export interface TagChange {
  project?: NamedTags;
  pool?: NamedTags & { id: string | null };
  repo?: NamedTags & { id: string | null };
}

/**
 * Refuses a save whose tags, merged with the project's other layers, would
 * exceed EC2's limit (HTTP 422, naming the layers and how many to remove).
 * A project that does not exist is left to the caller's own check.
 */
export async function refuseTagOverflow(
  db: Database,
  projectId: string,
  change: TagChange,
): Promise<void> {
  const [stored] = await db.select({ name: projects.name, tags: projects.tags }).from(projects)
    .where(eq(projects.id, projectId));
  if (!stored) return;
  const project = change.project ?? stored;
  const poolRows = await db.select({ id: pools.id, name: pools.name, tags: pools.tags })
    .from(pools).where(eq(pools.projectId, projectId));
  const repoRows = await db.select({ id: repos.id, name: repos.fullName, tags: repos.tags })
    .from(repos).where(eq(repos.projectId, projectId));
  // Only combinations with the saved layer: an old overflow elsewhere is not this save's fault.
  const problem = projectTagOverflow(
    project,
    change.pool ? [change.pool] : poolRows,
    change.repo ? [change.repo] : repoRows,
  );
  if (problem) throw new UnprocessableError(`too many tags: ${problem}`);
}
