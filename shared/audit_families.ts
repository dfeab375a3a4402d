/**
 * Audit actions by family, for the audit log's filter: who signs in and
 * manages users, what configuration changed, what happened to jobs, and to
 * machines. An action is dotted (`machine.terminate`); its family is named
 * by its first part.
 *
 * Rows written before the `machine.*` names (migration 0015) say
 * `instance.terminate`, `instance.interrupted` and `instance.gone`; they
 * stay as written and are found under `machine`.
 *
 * @module
 */

/** The families the audit log filters by. */
export const AUDIT_FAMILIES = ["user", "config", "job", "machine"] as const;
/** One family of audit actions. */
export type AuditFamily = typeof AUDIT_FAMILIES[number];

/** The action prefixes (with their dot) each family covers. */
export const AUDIT_FAMILY_PREFIXES: Readonly<Record<AuditFamily, readonly string[]>> = {
  user: ["user.", "auth."],
  config: ["project.", "repo.", "pool.", "backup."],
  job: ["job."],
  machine: ["machine.", "instance."],
};

/** Old action names and what they are called now. */
const RENAMED: Readonly<Record<string, string>> = {
  "instance.terminate": "machine.terminate",
  "instance.interrupted": "machine.interrupted",
  "instance.gone": "machine.gone",
};

/** The family `action` belongs to, or null for none (`webhook.redeliver`, say). */
export function auditFamilyOf(action: string): AuditFamily | null {
  for (const family of AUDIT_FAMILIES) {
    if (AUDIT_FAMILY_PREFIXES[family].some((prefix) => action.startsWith(prefix))) return family;
  }
  return null;
}

/** The current name of a stored action: old `instance.*` rows read as `machine.*`. */
export function currentActionName(action: string): string {
  return RENAMED[action] ?? action;
}
