/**
 * What each command asks the edge and prints: a table (or a sentence) for
 * people, the edge's JSON as is with `--json`. Actions a core carries out
 * (terminate, cancel, retry) wait for its report, up to `--wait` seconds.
 */
import type {
  ActionView,
  ControlOutcome,
  ControlStateView,
  MachineView,
} from "../shared/schema/control.ts";
import type { JobsListResponse } from "../shared/schema/api.ts";
import type { JobDetailResponse } from "../shared/schema/console.ts";
import type { AuditResponse } from "../shared/schema/audit.ts";
import type { StatsResponse } from "../shared/schema/stats.ts";
import type { PoolView } from "../shared/schema/config_api.ts";
import type { EdgeApi } from "./edge_api.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { durationOf, renderTable, timeOf, usdOf } from "./table.ts";

/** What every command gets: the API, how to print, and its flags. */
export interface CommandContext {
  api: EdgeApi;
  isJson: boolean;
  print: (text: string) => void;
  /** Seconds to wait for a core to carry an action out (0: do not wait). */
  waitSeconds: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

function printJson(context: CommandContext, value: unknown): void {
  context.print(JSON.stringify(value, null, 2));
}

export async function jobsList(
  context: CommandContext,
  filters: { status?: string; pool?: string; repo?: string; limit?: string },
): Promise<void> {
  const page = await context.api.get<JobsListResponse>("/api/v1/jobs", filters);
  if (context.isJson) return printJson(context, page);
  context.print(renderTable(
    ["ID", "STATE", "REPO", "JOB", "POOL", "MACHINE", "QUEUED"],
    page.jobs.map((job) => [
      job.id,
      job.state,
      job.repoFullName,
      job.jobName,
      job.pool,
      job.instanceId,
      timeOf(job.queuedAt),
    ]),
  ));
}

export async function jobShow(context: CommandContext, id: string): Promise<void> {
  const detail = await context.api.get<JobDetailResponse>(`/api/v1/jobs/${encodeURIComponent(id)}`);
  if (context.isJson) return printJson(context, detail);
  const { job } = detail;
  context.print(renderTable(["FIELD", "VALUE"], [
    ["id", job.id],
    ["state", job.state],
    ["repo", job.repoFullName],
    ["job", job.jobName],
    ["labels", job.labels.join(",")],
    ["pool", job.pool],
    ["machine", job.instanceId],
    ["launch attempts", job.launchAttempts],
    ["queued", timeOf(job.queuedAt)],
    ["url", job.htmlUrl],
  ]));
  context.print("");
  context.print(renderTable(
    ["AT", "FROM", "TO", "REASON"],
    detail.transitions.map((t) => [timeOf(t.at), t.from, t.to, t.reason]),
  ));
}

export async function runnersList(context: CommandContext, isAll: boolean): Promise<void> {
  const { machines } = await context.api.get<{ machines: MachineView[] }>("/api/v1/runners", {
    state: isAll ? "all" : "live",
  });
  if (context.isJson) return printJson(context, { machines });
  context.print(renderTable(
    ["MACHINE", "POOL", "STATE", "JOB", "JOB STATE", "TYPE", "AGE", "COST"],
    machines.map((m) => [
      m.id,
      m.pool,
      m.state,
      m.jobId,
      m.jobState,
      `${m.instanceType ?? "-"}${m.isSpot ? " (spot)" : ""}`,
      durationOf(m.ageSeconds),
      usdOf(m.costUsd),
    ]),
  ));
}

export async function poolsList(context: CommandContext): Promise<void> {
  const [{ pools }, control] = await Promise.all([
    context.api.get<{ pools: PoolView[] }>("/api/v1/pools"),
    context.api.get<ControlStateView>("/api/v1/control"),
  ]);
  const drained = new Set(control.drained.map((d) => d.poolId));
  if (context.isJson) {
    return printJson(context, {
      pools: pools.map((pool) => ({ ...pool, isDrained: drained.has(pool.id) })),
      isPaused: control.paused !== null,
    });
  }
  if (control.paused) {
    context.print(
      `launching is paused (by ${control.paused.heldBy} at ${timeOf(control.paused.heldAt)})`,
    );
  }
  context.print(renderTable(
    ["ID", "PROJECT", "POOL", "LAUNCHING", "CAP", "MIN IDLE"],
    pools.map((pool) => [
      pool.id,
      pool.project,
      pool.name,
      drained.has(pool.id) ? "drained" : control.paused ? "paused" : "on",
      pool.cap,
      pool.minIdle,
    ]),
  ));
}

/** A control POST; waits for the core's report when it queued an action. */
export async function control(
  context: CommandContext,
  path: string,
  body: Record<string, unknown> = {},
): Promise<void> {
  const outcome = await context.api.post<ControlOutcome>(path, body);
  let action = outcome.action;
  if (action && action.state === "pending" && context.waitSeconds > 0) {
    action = await waitForAction(context, action);
  }
  if (context.isJson) {
    printJson(context, { ...outcome, action });
  } else {
    context.print(outcome.message);
    if (action && action.state !== "pending") {
      context.print(`${action.kind} ${action.target}: ${action.state}: ${action.result ?? ""}`);
    } else if (action) {
      context.print(`action ${action.id} is still pending: gantry action ${action.id}`);
    }
  }
  if (action?.state === "failed") {
    throw new CliError(EXIT.actionFailed, `the core could not ${action.kind} ${action.target}`);
  }
  if (action?.state === "pending" && context.waitSeconds > 0) {
    throw new CliError(
      EXIT.actionFailed,
      `no core reported on action ${action.id} within ${context.waitSeconds} s (is a core running?)`,
    );
  }
}

async function waitForAction(context: CommandContext, first: ActionView): Promise<ActionView> {
  const deadline = context.now() + context.waitSeconds * 1000;
  let action = first;
  while (action.state === "pending" && context.now() < deadline) {
    await context.sleep(500);
    ({ action } = await context.api.get<{ action: ActionView }>(
      `/api/v1/control/actions/${first.id}`,
    ));
  }
  return action;
}

export async function actionShow(context: CommandContext, id: string): Promise<void> {
  const { action } = await context.api.get<{ action: ActionView }>(
    `/api/v1/control/actions/${encodeURIComponent(id)}`,
  );
  if (context.isJson) return printJson(context, { action });
  context.print(renderTable(["ID", "KIND", "TARGET", "STATE", "BY", "RESULT"], [[
    action.id,
    action.kind,
    action.target,
    action.state,
    action.requestedBy,
    action.result,
  ]]));
}

export async function auditList(
  context: CommandContext,
  filters: { action?: string; outcome?: string; limit?: string },
): Promise<void> {
  const page = await context.api.get<AuditResponse>("/api/v1/audit", filters);
  if (context.isJson) return printJson(context, page);
  context.print(renderTable(
    ["AT", "ACTOR", "ACTION", "TARGET", "OUTCOME"],
    page.events.map((e) => [timeOf(e.at), e.actor, e.action, e.target, e.outcome]),
  ));
}

export async function stats(
  context: CommandContext,
  query: { window?: string; groupBy?: string },
): Promise<void> {
  const answer = await context.api.get<StatsResponse>("/api/v1/stats", query);
  if (context.isJson) return printJson(context, answer);
  const rows = [
    ...answer.groups.map((g) => [g.label, g.jobs, g.completed, g.failed, usdOf(g.costUsd)]),
    [
      "total",
      answer.totals.jobs,
      answer.totals.completed,
      answer.totals.failed,
      usdOf(answer.totals.costUsd),
    ],
  ];
  context.print(
    `${timeOf(answer.window.from)} to ${timeOf(answer.window.to)}, by ${answer.groupBy}`,
  );
  context.print(
    renderTable([answer.groupBy.toUpperCase(), "JOBS", "COMPLETED", "FAILED", "COST"], rows),
  );
}
