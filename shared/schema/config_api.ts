/**
 * Bodies of the console's configuration API (projects, repo bindings, pools)
 * and of its backup document. The edge validates with these on the way in,
 * the console's forms validate with the very same schemas before sending,
 * and both parse the answers with the views. Times are epoch milliseconds.
 *
 * @module
 */

import { z } from "zod";
import { sanitizeLabel } from "../labels.ts";
import { checkPoolSettings, POOL_SETTINGS_SHAPE, PoolSettings } from "../pool_fields.ts";
import { LabelName, OperatorTags } from "./vocabulary.ts";
import { RepoFullName } from "./webhook.ts";

export { PoolSettings };
export { ALLOCATION_STRATEGIES, LabelName, OperatorTags, SPAWN_METHODS } from "./vocabulary.ts";

const EpochMs = z.number().int().nonnegative();

/** A GitHub owner (user or organisation) login, compared lower-cased. */
export const OwnerLogin = z.string().trim().regex(
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/,
  'expected a GitHub owner such as "octo-org"',
).transform((owner) => owner.toLowerCase());

/** `owner/repo`, compared and stored lower-cased (GitHub names are case-insensitive). */
export const BoundRepoName = z.string().trim().pipe(RepoFullName)
  .transform((name) => name.toLowerCase());

/** Which repositories a project takes: the ones bound to it, or every one of an owner. */
export const ProjectScope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("repos") }),
  z.object({
    kind: z.literal("org"),
    org: OwnerLogin,
    /** The org runner group its runners join; absent = 1, GitHub's Default group. */
    runnerGroupId: z.int("expected a runner group id").positive().optional(),
  }),
]);
/** A project's scope. */
export type ProjectScope = z.infer<typeof ProjectScope>;

const Cap = z.int("expected a whole number").min(0, "use 0 for no cap");

/** Body of `POST /api/v1/projects` and `PUT /api/v1/projects/:id`. */
export const ProjectInput = z.strictObject({
  name: LabelName,
  /** Concurrent runners across the project; 0 = no cap. */
  cap: Cap.default(0),
  tags: OperatorTags.default({}),
  isDisabled: z.boolean().default(false),
  scope: ProjectScope.default({ kind: "repos" }),
});
/** A parsed project body. */
export type ProjectInput = z.infer<typeof ProjectInput>;

/** A project as the API shows it. */
export const ProjectView = z.object({
  id: z.string(),
  name: z.string(),
  cap: z.number().int(),
  tags: z.record(z.string(), z.string()),
  isDisabled: z.boolean(),
  scope: ProjectScope,
  repoCount: z.number().int().nonnegative(),
  poolCount: z.number().int().nonnegative(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
/** A project. */
export type ProjectView = z.infer<typeof ProjectView>;

/** Body of `POST /api/v1/repos` and `PUT /api/v1/repos/:id`: bind a repo to one project. */
export const RepoInput = z.strictObject({
  fullName: BoundRepoName,
  projectId: z.string().min(1, "choose a project"),
  /** Overrides the project's cap for this repo's jobs; null = the project's. */
  cap: Cap.nullable().default(null),
  tags: OperatorTags.default({}),
});
/** A parsed repo binding body. */
export type RepoInput = z.infer<typeof RepoInput>;

/** A repo binding as the API shows it. */
export const RepoView = z.object({
  id: z.string(),
  fullName: z.string(),
  projectId: z.string(),
  project: z.string(),
  cap: z.number().int().nullable(),
  tags: z.record(z.string(), z.string()),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
/** A repo binding. */
export type RepoView = z.infer<typeof RepoView>;

/** Body of `POST /api/v1/pools` and `PUT /api/v1/pools/:id`. */
export const PoolInput = z.strictObject({
  ...POOL_SETTINGS_SHAPE,
  projectId: z.string().min(1, "choose a project"),
}).check(checkPoolSettings);
/** A parsed pool body. */
export type PoolInput = z.infer<typeof PoolInput>;

/** A pool as the API shows it, with the launch template the core materialised. */
export const PoolView = z.object({
  ...POOL_SETTINGS_SHAPE,
  id: z.string(),
  projectId: z.string(),
  project: z.string(),
  name: z.string(),
  extraLabels: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  launchTemplateId: z.string().nullable(),
  launchTemplateVersion: z.number().int().nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
/** A pool. */
export type PoolView = z.infer<typeof PoolView>;

/** One project: the answer to a create, update or delete. */
export const ProjectResponse = z.object({ project: ProjectView });
/** One repo binding: the answer to a create, update or delete. */
export const RepoResponse = z.object({ repo: RepoView });
/** One pool: the answer to a create, update or delete. */
export const PoolResponse = z.object({ pool: PoolView });

/** `GET /api/v1/projects`. */
export const ProjectsResponse = z.object({ projects: z.array(ProjectView) });
/** `GET /api/v1/repos`. */
export const ReposResponse = z.object({ repos: z.array(RepoView) });
/** `GET /api/v1/pools`. */
export const PoolsResponse = z.object({ pools: z.array(PoolView) });

/** One project in a backup, its repos and pools nested, everything by stable name. */
export const BackupProject = z.strictObject({
  ...ProjectInput.shape,
  repos: z.array(z.strictObject({
    fullName: BoundRepoName,
    cap: Cap.nullable().default(null),
    tags: OperatorTags.default({}),
  })).default([]),
  pools: z.array(PoolSettings).default([]),
});
/** One project in a backup. */
export type BackupProject = z.infer<typeof BackupProject>;

/**
 * `GET /api/v1/backup` and the body of `POST /api/v1/backup/import`: projects
 * by name, pools by (project, name), repos by full name. No ids, no jobs, no
 * launch templates: only what an operator configures.
 */
export const BackupDocument = z.strictObject({
  kind: z.literal("gantry-backup"),
  version: z.literal(1),
  exportedAt: EpochMs.optional(),
  projects: z.array(BackupProject),
}).superRefine((backup, ctx) => {
  const projectLabels = new Map<string, number>();
  const repoOwners = new Map<string, number>();
  const orgOwners = new Map<string, number>();
  backup.projects.forEach((project, i) => {
    const label = sanitizeLabel(project.name);
    const first = projectLabels.get(label);
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["projects", i, "name"],
        message: `same runner label "${label}" as projects.${first}.name`,
      });
    } else projectLabels.set(label, i);
    if (project.scope.kind === "org") {
      const owner = orgOwners.get(project.scope.org);
      if (owner !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["projects", i, "scope", "org"],
          message: `org "${project.scope.org}" is already the scope of projects.${owner}`,
        });
      } else orgOwners.set(project.scope.org, i);
    }
    project.repos.forEach((repo, j) => {
      const owner = repoOwners.get(repo.fullName);
      if (owner !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["projects", i, "repos", j, "fullName"],
          message: `a repository belongs to one project; already in projects.${owner}`,
        });
      } else repoOwners.set(repo.fullName, i);
    });
    const poolLabels = new Map<string, number>();
    let defaultPool: number | undefined;
    project.pools.forEach((pool, j) => {
      const poolLabel = sanitizeLabel(pool.name);
      const seen = poolLabels.get(poolLabel);
      if (seen !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["projects", i, "pools", j, "name"],
          message: `same runner label "${poolLabel}" as pools.${seen}.name`,
        });
      } else poolLabels.set(poolLabel, j);
      if (pool.isDefault) {
        if (defaultPool !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["projects", i, "pools", j, "isDefault"],
            message: `only one default pool per project; pools.${defaultPool} is already`,
          });
        } else defaultPool = j;
      }
    });
  });
});
/** A backup. */
export type BackupDocument = z.infer<typeof BackupDocument>;

/** Query of `POST /api/v1/backup/import`: `dryRun=true` only shows what would change. */
export const ImportQuery = z.object({
  dryRun: z.enum(["true", "false", "1", "0"]).default("false")
    .transform((value) => value === "true" || value === "1"),
});

/** One entity an import creates, updates, or leaves as it is. */
export const ImportChange = z.object({
  kind: z.enum(["project", "repo", "pool"]),
  /** The stable name: `my-app`, `octocat/hello-world`, `my-app/large`. */
  key: z.string(),
  action: z.enum(["create", "update", "unchanged"]),
  /** The fields an update changes (for a repo moved to another project: `project`). */
  fields: z.array(z.string()),
});
/** One entity an import touches. */
export type ImportChange = z.infer<typeof ImportChange>;

/** The answer to an import: the diff, and whether it was applied. */
export const ImportResult = z.object({
  isApplied: z.boolean(),
  changes: z.array(ImportChange),
  summary: z.object({
    create: z.number().int().nonnegative(),
    update: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
  }),
});
/** The answer to an import. */
export type ImportResult = z.infer<typeof ImportResult>;
