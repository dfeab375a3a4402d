/**
 * Refused instance identities in the audit log (`runner.identity`, failed):
 * which instance was claimed, for which batch and route, and why. Never the
 * token or the document. Recording never changes the answer: if libSQL is
 * unreachable the instance still gets its 401/403 and the Worker logs a warning.
 */
import { recordAudit } from "../api/audit_log.ts";
import { databaseOf } from "../api/database.ts";
import type { Env } from "../env.ts";
import type { IdentityRefusal } from "./instance_identity.ts";
import { edgeLog } from "../log.ts";

export async function auditIdentityRefusal(
  env: Env,
  refusal: IdentityRefusal,
  context: { instanceId: string; batchId: string; route: string },
): Promise<void> {
  try {
    await recordAudit(databaseOf(env), {
      actor: `instance:${context.instanceId}`,
      action: "runner.identity",
      target: context.instanceId,
      outcome: "failed",
      payload: {
        reason: refusal.reason,
        status: refusal.status,
        batchId: context.batchId,
        route: context.route,
      },
    });
  } catch (error) {
    edgeLog.warn("could not audit a refused instance identity", {
      reason: refusal.reason,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
