/**
 * Seeds the projects, repos and pools declared in the config file that do
 * not exist yet, by stable name: projects by name, pools by (project, name),
 * repos by full name. libSQL is the source of truth: what exists (perhaps
 * edited in the console) is never overwritten, and a repo already bound to
 * another project stays there. Running it twice changes nothing.
 */
import { eq } from "drizzle-orm";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { poolSettingsOfYaml } from "../../shared/pool_fields.ts";
import type { CoreConfig } from "../../shared/schema/config.ts";
import type { Database } from "./database.ts";

type SeedProject = CoreConfig["projects"][number];

export async function seedProjects(
  db: Database,
  declared: readonly SeedProject[],
  now: number,
): Promise<void> {
  for (const project of declared) {
    await db.insert(projects).values({
      id: crypto.randomUUID(),
      name: project.name,
      cap: project.cap,
      tags: project.tags,
      isDisabled: project.disabled,
      createdAt: now,
      updatedAt: now,
    }).onConflictDoNothing();
    const [{ id: projectId }] = await db.select({ id: projects.id }).from(projects)
      .where(eq(projects.name, project.name));
    for (const repo of project.repos) {
      await db.insert(repos).values({
        id: crypto.randomUUID(),
        fullName: repo.full_name.toLowerCase(),
        projectId,
        cap: repo.cap ?? null,
        tags: repo.tags,
        createdAt: now,
        updatedAt: now,
      }).onConflictDoNothing();
    }
    for (const pool of project.pools) {
      await db.insert(pools).values({
        id: crypto.randomUUID(),
        projectId,
        ...poolSettingsOfYaml(pool),
        createdAt: now,
        updatedAt: now,
      }).onConflictDoNothing();
    }
  }
}
