/**
 * The project form's runner group id: blank means GitHub's Default group (1),
 * so nothing is sent; anything else must be a whole number of 1 or more.
 * Checked in the browser with a message that says what to type, before the
 * API's schema would refuse it with a generic "too small".
 *
 * @module
 */

/** Shown next to the field when the value is not a runner group id. */
export const RUNNER_GROUP_ID_PROBLEM =
  "a runner group id is a whole number of 1 or more; leave empty for Default (1)";

/** `text` → the id to send (`undefined` when blank), or why it is not one. */
export function runnerGroupIdOf(
  text: string,
): { ok: true; runnerGroupId: number | undefined } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, runnerGroupId: undefined };
  // Digits only: Number() would also take "1e3", "0x7" or " 7.0".
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: RUNNER_GROUP_ID_PROBLEM };
  const id = Number(trimmed);
  if (id < 1 || !Number.isSafeInteger(id)) return { ok: false, message: RUNNER_GROUP_ID_PROBLEM };
  return { ok: true, runnerGroupId: id };
}
