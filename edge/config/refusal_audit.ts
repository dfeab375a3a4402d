/**
 * Refused configuration changes in the audit log. A create, update or delete
 * of a project, repo binding or pool, or an applied backup import, that the
 * edge answers with a 4xx (invalid body, unknown id, conflict, not admin) is
 * recorded as `outcome: "failed"` under the action the accepted change would
 * have used, with the answer's status and message. One middleware in front of
 * every configuration route, so no route can forget it. A dry-run import
 * changes nothing and is not recorded; a missing session (401) never reaches
 * here (the API's session middleware answers first) and is not recorded.
 * Recording never changes the answer: if the row cannot be written the
 * operator still gets the 4xx and the Worker logs a warning.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { ImportQuery } from "../../shared/schema/config_api.ts";
import { actorOf, recordAudit } from "../api/audit_log.ts";
import { type Database, databaseOf } from "../api/database.ts";
import type { AppEnv } from "../env.ts";
import { edgeLog } from "../log.ts";

type Kind = "project" | "repo" | "pool";
type Write = "POST" | "PUT" | "DELETE";

/** The action each write is audited under, as the accepted routes name it. */
const ACTIONS: Record<Kind, Record<Write, string>> = {
  project: { POST: "project.create", PUT: "project.update", DELETE: "project.delete" },
  repo: { POST: "repo.bind", PUT: "repo.update", DELETE: "repo.unbind" },
  pool: { POST: "pool.create", PUT: "pool.update", DELETE: "pool.delete" },
};
const KINDS: Record<string, Kind> = { projects: "project", repos: "repo", pools: "pool" };
const ENTITY_PATH = /^\/api\/v1\/(projects|repos|pools)(?:\/([^/]+))?$/;
/** Longest name copied from a refused body into the target column. */
const MAX_TARGET_LENGTH = 200;

/** A configuration change a request asks for. */
export interface ChangeAttempt {
  action: string;
  /** The entity written, or null for the backup import. */
  kind: Kind | null;
  /** The `:id` of an update or delete. */
  id: string | null;
}

/** The change `method` on `url` asks for, or null for a read, a dry run or no such route. */
export function changeAttemptOf(method: string, url: URL): ChangeAttempt | null {
  if (method === "POST" && url.pathname === "/api/v1/backup/import") {
    const query = ImportQuery.safeParse(Object.fromEntries(url.searchParams));
    // A refused query is still a refused import; only a well-formed dry run is a read.
    return query.success && query.data.dryRun
      ? null
      : { action: "backup.import", kind: null, id: null };
  }
  const match = ENTITY_PATH.exec(url.pathname);
  if (!match) return null;
  const kind = KINDS[match[1]];
  const id = match[2] === undefined ? null : decodeURIComponent(match[2]);
  if (method === "POST" && id === null) return { action: ACTIONS[kind].POST, kind, id };
  if ((method === "PUT" || method === "DELETE") && id !== null) {
    return { action: ACTIONS[kind][method], kind, id };
  }
  return null;
}

/** Audits every refused configuration change; mount it before the routes it covers. */
export const auditRefusedChanges = createMiddleware<AppEnv>(async (c, next) => {
  const attempt = changeAttemptOf(c.req.method, new URL(c.req.url));
  if (!attempt) return await next();
  // The route consumes the body; keep a copy to name what was being written.
  const sent = attempt.kind && c.req.method !== "DELETE" ? await bodyText(c.req.raw) : null;
  await next();
  const status = c.res.status;
  if (status < 400 || status >= 500) return;
  try {
    await recordRefusal(c, attempt, sent, status);
  } catch (error) {
    edgeLog.warn("could not audit a refused configuration change", {
      action: attempt.action,
      status,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
});

async function recordRefusal(
  c: Context<AppEnv>,
  attempt: ChangeAttempt,
  sent: string | null,
  status: number,
): Promise<void> {
  const operator = c.get("operator");
  if (!operator) return; // No one to name: the session middleware did not run.
  const answer = await c.res.clone().json().catch(() => null) as {
    error?: { code?: unknown; message?: unknown; issues?: { path?: unknown }[] };
  } | null;
  const error = answer?.error;
  const fields = Array.isArray(error?.issues)
    ? error.issues.map((issue) => String(issue.path ?? ""))
    : [];
  const db = databaseOf(c.env);
  await recordAudit(db, {
    actor: actorOf(operator),
    action: attempt.action,
    target: attempt.kind ? await targetOf(db, attempt.kind, attempt.id, sent) : null,
    outcome: "failed",
    payload: {
      status,
      ...(typeof error?.code === "string" ? { code: error.code } : {}),
      error: typeof error?.message === "string" ? error.message : `HTTP ${status}`,
      ...(fields.length > 0 ? { fields } : {}),
      ...(attempt.id !== null ? { id: attempt.id } : {}),
    },
  });
}

async function bodyText(request: Request): Promise<string | null> {
  try {
    return await request.clone().text();
  } catch {
    return null;
  }
}

/**
 * What the change was aimed at, named as the accepted change would name it:
 * the name the body asked for, else the stored entity's, else the raw id.
 */
async function targetOf(
  db: Database,
  kind: Kind,
  id: string | null,
  sent: string | null,
): Promise<string | null> {
  const body = parsedObject(sent);
  const named = kind === "repo" ? textOf(body?.fullName) : textOf(body?.name);
  if (named !== null) {
    if (kind !== "pool") return named;
    const projectId = textOf(body?.projectId);
    if (projectId === null) return named;
    return `${await projectNameOf(db, projectId) ?? projectId}/${named}`;
  }
  if (id === null) return null;
  return await storedNameOf(db, kind, id).catch(() => null) ?? id;
}

async function storedNameOf(db: Database, kind: Kind, id: string): Promise<string | null> {
  if (kind === "project") return await projectNameOf(db, id);
  if (kind === "repo") {
    const [row] = await db.select({ name: repos.fullName }).from(repos).where(eq(repos.id, id));
    return row?.name ?? null;
  }
  const [row] = await db.select({ name: pools.name, project: projects.name }).from(pools)
    .innerJoin(projects, eq(projects.id, pools.projectId)).where(eq(pools.id, id));
  return row ? `${row.project}/${row.name}` : null;
}

async function projectNameOf(db: Database, id: string): Promise<string | null> {
  const [row] = await db.select({ name: projects.name }).from(projects)
    .where(eq(projects.id, id)).catch(() => []);
  return row?.name ?? null;
}

function parsedObject(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value)
      ? value as Record<string, unknown>
      : null;
  } catch {
    return null;
  }
}

function textOf(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value.slice(0, MAX_TARGET_LENGTH) : null;
}
