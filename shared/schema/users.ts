/**
 * Bodies of user management beyond the user list (console.ts): inviting a
 * user, the invitee setting their password through the one-time link, and
 * a user changing their own password.
 *
 * @module
 */
import { z } from "zod";
import { Email, NewPassword, Role, UserView } from "./console.ts";

const EpochMs = z.number().int().nonnegative();

/** `POST /api/v1/invitations` (admin): who to invite, with which role. */
export const InviteUserRequest = z.strictObject({
  email: Email,
  role: Role,
  name: z.string().trim().min(1).max(100).optional(),
});
/** A parsed invite body. */
export type InviteUserRequest = z.infer<typeof InviteUserRequest>;

/** The one-time link, shown to the admin once: only its hash is stored. */
export const InvitationView = z.object({ url: z.string(), expiresAt: EpochMs });
/** A new invitation's link. */
export type InvitationView = z.infer<typeof InvitationView>;

/** Answer to `POST /api/v1/invitations`: the invited user (no password yet) and the link. */
export const InviteUserResponse = z.object({ user: UserView, invitation: InvitationView });
/** An invited user and their link. */
export type InviteUserResponse = z.infer<typeof InviteUserResponse>;

/** `POST /api/v1/auth/invitations/accept`: the link's token and the invitee's new password. */
export const AcceptInvitationRequest = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "not an invitation token"),
  password: NewPassword,
});
/** A parsed accept body. */
export type AcceptInvitationRequest = z.infer<typeof AcceptInvitationRequest>;

/** Answer to accepting: the email to sign in with. */
export const AcceptInvitationResponse = z.object({ email: z.string() });
/** Whose password was set. */
export type AcceptInvitationResponse = z.infer<typeof AcceptInvitationResponse>;

/** `POST /api/v1/auth/password`: a user's own password change. */
export const ChangePasswordRequest = z.strictObject({
  /** Checked, never validated for strength: old passwords must still work. */
  currentPassword: z.string().min(1, "enter your current password").max(1024),
  newPassword: NewPassword,
});
/** A parsed password change. */
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

/** Answer to a password change: the caller's other sessions issued before this are ended. */
export const ChangePasswordResponse = z.object({ sessionsNotBefore: EpochMs });
/** What a password change ended. */
export type ChangePasswordResponse = z.infer<typeof ChangePasswordResponse>;

/** An admin ended a user's sessions: those issued before this instant are refused. */
export const EndSessionsResponse = z.object({ id: z.string(), sessionsNotBefore: EpochMs });
/** The answer to ending a user's sessions. */
export type EndSessionsResponse = z.infer<typeof EndSessionsResponse>;
