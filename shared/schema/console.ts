/**
 * Bodies of the console's sign-in, user, overview and job-detail API: what
 * the edge validates on the way in and what the console parses on the way
 * back. Times are epoch milliseconds. The jobs list lives in `api.ts`.
 *
 * @module
 */

import { CoreHealthView } from "./control.ts";
import { z } from "zod";
import { JOB_STATES } from "../job_state.ts";
import { JOB_STAGES, PARTIES, WAIT_REASONS } from "../job_stages.ts";
import { JobView } from "./api.ts";

const EpochMs = z.number().int().nonnegative();

/** An operator's role: `viewer` reads, `admin` also changes things. */
export const Role = z.enum(["viewer", "admin"]);
/** An operator's role. */
export type Role = z.infer<typeof Role>;

/** Emails are compared case-insensitively, so they are stored lower-cased. */
export const Email = z.string().trim().toLowerCase().pipe(z.email().max(254));

/**
 * A new password: long enough to resist guessing, short enough that hashing
 * it is cheap (HMAC hashes long keys once, but a cap keeps bodies small).
 */
export const NewPassword = z.string()
  .min(12, "use at least 12 characters")
  .max(256, "use at most 256 characters");

/** Body of `POST /api/v1/auth/login`. */
export const LoginRequest = z.object({
  email: Email,
  /** Checked, never validated for strength: old passwords must still work. */
  password: z.string().min(1, "enter your password").max(1024),
});
/** A parsed login body. */
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Body of `POST /api/v1/auth/bootstrap`: the first admin. */
export const BootstrapRequest = z.object({
  email: Email,
  password: NewPassword,
  name: z.string().trim().min(1).max(100).optional(),
});
/** A parsed bootstrap body. */
export type BootstrapRequest = z.infer<typeof BootstrapRequest>;

/** Body of `POST /api/v1/users` (admin). */
export const CreateUserRequest = BootstrapRequest.extend({ role: Role });
/** A parsed create-user body. */
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

/** A console user as the API shows it: never the password hash. */
export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
  createdAt: EpochMs,
  lastLoginAt: EpochMs.nullable(),
  /** Disabled users cannot sign in, and their sessions are refused at once. */
  isDisabled: z.boolean(),
  /** Sessions issued before this are refused ("sign out everywhere"); null for none. */
  sessionsNotBefore: EpochMs.nullable(),
  /** The SSO provider this user signs in with, if any. */
  ssoIssuer: z.string().nullable(),
  /** The next SSO sign-in with this email may attach to this account (an admin allowed it). */
  allowsSsoLink: z.boolean(),
});
/** A console user. */
export type UserView = z.infer<typeof UserView>;

/** `POST /api/v1/users` and `POST /api/v1/auth/bootstrap`: the user created. */
export const UserResponse = z.object({ user: UserView });
/** A created user. */
export type UserResponse = z.infer<typeof UserResponse>;

/** `PATCH /api/v1/users/:id`: what an admin changes about a user. */
export const UpdateUserRequest = z.strictObject({
  role: Role.optional(),
  isDisabled: z.boolean().optional(),
  allowsSsoLink: z.boolean().optional(),
});
/** A parsed update-user body. */
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

/** An invitation not yet used: the user it is for, and until when the link works. */
export const PendingInvitation = z.object({ userId: z.string(), expiresAt: EpochMs });
/** A pending invitation. */
export type PendingInvitation = z.infer<typeof PendingInvitation>;

/** `GET /api/v1/users`: every user, and the invitations still waiting to be used. */
export const UsersListResponse = z.object({
  users: z.array(UserView),
  pendingInvitations: z.array(PendingInvitation),
});
/** The users list. */
export type UsersListResponse = z.infer<typeof UsersListResponse>;

/** `GET /api/v1/auth/me` and the answer to a successful login: who is signed in, until when. */
export const SessionView = z.object({
  id: z.string(),
  email: z.string().nullable(),
  role: Role,
  expiresAt: EpochMs,
});
/** The signed-in operator. */
export type SessionView = z.infer<typeof SessionView>;

/** `GET /api/v1/auth/options`: which ways to sign in the sign-in page offers. */
export const AuthOptions = z.object({
  local: z.boolean(),
  sso: z.boolean(),
  /** AUTH_DISABLED=true: no sign-in; the console says so on every page. */
  authDisabled: z.boolean(),
  /** SIMULATED=true (`deno task dev`): AWS and GitHub are emulated; the console says so. */
  simulated: z.boolean().optional(),
});
/** Sign-in options. */
export type AuthOptions = z.infer<typeof AuthOptions>;

/** Query of `GET /api/v1/overview`: the window the finished-job counts cover. */
export const OverviewQuery = z.object({
  windowHours: z.coerce.number().int().min(1).max(24 * 90).default(24),
});
/** A parsed overview query. */
export type OverviewQuery = z.infer<typeof OverviewQuery>;

/** `GET /api/v1/queue`: events waiting in the edge's queue for a core. */
export const QueueStatsResponse = z.object({
  ready: z.number().int().nonnegative(),
  leased: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  dead: z.number().int().nonnegative(),
});
/** The queue's depth. */
export type QueueStatsResponse = z.infer<typeof QueueStatsResponse>;

const StateCounts = z.partialRecord(z.enum(JOB_STATES), z.number().int().nonnegative());

/** `GET /api/v1/overview`: the live tiles. */
export const OverviewResponse = z.object({
  generatedAt: EpochMs,
  /** Jobs queued in `[from, to)` are counted in `inWindow`. */
  window: z.object({ from: EpochMs, to: EpochMs }),
  projects: z.number().int().nonnegative(),
  repos: z.number().int().nonnegative(),
  /** Jobs not yet finished, by state, whenever they were queued. */
  active: StateCounts,
  /** Jobs queued in the window, by state. */
  inWindow: StateCounts,
  /** Estimated spend of the jobs queued in the window (a floor: unquoted jobs add 0). */
  spendUsd: z.number().nonnegative(),
  /** Events waiting in the edge's queue for a core. */
  queue: QueueStatsResponse,
  /** Every core that ever called in, and whether it is down (no lease for 60 s). */
  cores: z.array(CoreHealthView),
});
/** The overview. */
export type OverviewResponse = z.infer<typeof OverviewResponse>;

/** One recorded state change of a job. */
export const TransitionView = z.object({
  from: z.enum(JOB_STATES).nullable(),
  to: z.enum(JOB_STATES),
  at: EpochMs,
  reason: z.string().nullable(),
});
/** One state change. */
export type TransitionView = z.infer<typeof TransitionView>;

/** A job with what the detail view adds to a list row. */
export const JobDetail = JobView.extend({
  htmlUrl: z.string().nullable(),
  conclusion: z.string().nullable(),
  launchAttempts: z.number().int().nonnegative(),
  claimedAt: EpochMs.nullable(),
  availabilityZone: z.string().nullable(),
  instanceState: z.string().nullable(),
  terminatedAt: EpochMs.nullable(),
  terminationReason: z.string().nullable(),
});
/** A job in detail. */
export type JobDetail = z.infer<typeof JobDetail>;

/** `GET /api/v1/jobs/:id`: the job and its timeline, oldest transition first. */
/** One gap of a job's wait, from one stage to the next (shared/job_stages.ts). */
export const StageSegmentView = z.object({
  from: z.enum(JOB_STAGES),
  to: z.enum(JOB_STAGES),
  startAt: EpochMs,
  durationMs: z.number().int().nonnegative(),
  party: z.enum(PARTIES),
  reasons: z.array(z.enum(WAIT_REASONS)),
});

export const JobDetailResponse = z.object({
  job: JobDetail,
  transitions: z.array(TransitionView),
  /** Where the job's wait went, stage by stage; empty before two stages are known. */
  waterfall: z.array(StageSegmentView),
});
/** A job, its timeline and its waterfall. */
export type JobDetailResponse = z.infer<typeof JobDetailResponse>;
