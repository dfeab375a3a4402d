/**
 * The CLI's exit codes, one per kind of outcome a script may branch on.
 * Documented in docs/cli.md; keep the two equal.
 */
export const EXIT = {
  /** Done (or already so: every command is idempotent). */
  ok: 0,
  /** Something unexpected; the message says what. */
  error: 1,
  /** The command line is wrong (unknown command, missing argument). */
  usage: 2,
  /** Not signed in, or the token was refused (expired, signed out): run `gantry login`. */
  unauthorized: 3,
  /** Signed in, but the action needs the admin role. */
  forbidden: 4,
  /** No such job, machine, pool or action. */
  notFound: 5,
  /** Refused as things stand (a busy runner without --force, a started job). */
  conflict: 6,
  /** The edge, or the database behind it, cannot be reached (HTTP 5xx or no answer). */
  unavailable: 7,
  /** The core reported the action failed, or did not report in time. */
  actionFailed: 8,
} as const;

/** An error with the exit code the CLI ends with. */
export class CliError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
    this.name = "CliError";
  }
}
