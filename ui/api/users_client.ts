/**
 * The console's client for user management and the signed-in user's own
 * account: the users list, invitations, changes, deletion, ending sessions,
 * accepting an invitation and changing one's password. Answers are parsed
 * with the edge's zod schemas.
 *
 * @module
 */
import {
  type Role,
  UserResponse,
  UsersListResponse,
  type UserView,
} from "../../shared/schema/console.ts";
import {
  AcceptInvitationResponse,
  ChangePasswordResponse,
  EndSessionsResponse,
  type InviteUserRequest,
  InviteUserResponse,
} from "../../shared/schema/users.ts";
import { type ApiClientOptions, createJsonCaller } from "./client.ts";

/** What an admin may change about a user. */
export interface UserChange {
  role?: Role;
  isDisabled?: boolean;
}

/** What the Users and invitation pages ask of the edge. */
export interface UsersApi {
  list(): Promise<UsersListResponse>;
  invite(request: InviteUserRequest): Promise<InviteUserResponse>;
  /** @throws {ApiError} 409 when it would leave no enabled admin. */
  update(id: string, change: UserChange): Promise<UserView>;
  /** @throws {ApiError} 409 when it would leave no enabled admin. */
  remove(id: string): Promise<UserView>;
  endSessions(id: string): Promise<void>;
  /** @throws {ApiError} 410 when the link was used or has expired. */
  acceptInvitation(token: string, password: string): Promise<{ email: string }>;
  /** @throws {ApiError} 403 when `currentPassword` is wrong. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
}

/** A {@link UsersApi} over HTTP. */
export function createUsersApi(options: ApiClientOptions = {}): UsersApi {
  const { call } = createJsonCaller(options);
  const user = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;
  return {
    list: () => call(UsersListResponse, "/api/v1/users"),
    invite: (request) =>
      call(InviteUserResponse, "/api/v1/invitations", { method: "POST", body: request }),
    update: async (id, change) =>
      (await call(UserResponse, user(id), { method: "PATCH", body: change })).user,
    remove: async (id) => (await call(UserResponse, user(id), { method: "DELETE" })).user,
    async endSessions(id) {
      await call(EndSessionsResponse, `${user(id)}/end-sessions`, { method: "POST" });
    },
    acceptInvitation: (token, password) =>
      call(AcceptInvitationResponse, "/api/v1/auth/invitations/accept", {
        method: "POST",
        body: { token, password },
        isSessionCheck: true,
      }),
    async changePassword(currentPassword, newPassword) {
      await call(ChangePasswordResponse, "/api/v1/auth/password", {
        method: "POST",
        body: { currentPassword, newPassword },
      });
    },
  };
}
