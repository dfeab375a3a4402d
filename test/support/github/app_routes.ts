/**
 * The endpoints a GitHub App calls as itself, with its JWT: the app, its
 * installations, installation tokens, and the webhook delivery log.
 *
 * @module
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { githubTime, installationOf, integrationOf } from "./accounts.ts";
import { AuthRejection, credentialOf, verifyAppJwt } from "./app_auth.ts";
import { githubError, notFound, paginate, same } from "./rest.ts";
import { allows, type GithubState, type InstallationConfig, PERMISSIONS } from "./state.ts";

/** The app-authenticated routes over `state`. */
export function appRoutes(state: GithubState): Hono {
  const app = new Hono();
  const installationById = (id: number) => state.installations.find((i) => i.id === id);
  const installationJson = (config: InstallationConfig) =>
    installationOf({
      id: config.id,
      appId: state.appId,
      slug: state.slug,
      account: config.account,
      accountType: config.accountType,
      isSelected: config.repos !== undefined,
      permissions: config.permissions ?? PERMISSIONS,
      apiUrl: state.apiUrl(),
    });

  /** 401 unless the request carries a valid app JWT. */
  const requireApp = async (c: Context): Promise<Response | undefined> => {
    const credential = credentialOf(c.req.header("authorization"));
    if (credential.kind !== "jwt") {
      return githubError(401, "A JSON web token could not be decoded");
    }
    try {
      await verifyAppJwt(credential.token, { ...state, publicKey: state.keys.publicKey });
      return undefined;
    } catch (error) {
      if (error instanceof AuthRejection) return githubError(401, error.message);
      throw error;
    }
  };

  app.get("/app", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const owner = state.installations[0]?.account ?? "gantry-dev";
    return c.json(integrationOf({
      ...state,
      owner,
      installationsCount: state.installations.length,
      apiUrl: state.apiUrl(),
    }));
  });

  app.get("/app/installations", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const { items, link } = paginate(c, state.installations.map(installationJson));
    if (link !== undefined) c.header("link", link);
    return c.json(items);
  });

  app.get("/app/installations/:installation_id", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const installation = installationById(Number(c.req.param("installation_id")));
    return installation ? c.json(installationJson(installation)) : notFound();
  });

  const TokenRequest = z.object({
    repositories: z.array(z.string()).optional(),
    repository_ids: z.array(z.number().int()).optional(),
    permissions: z.record(z.string(), z.enum(["read", "write"])).optional(),
  }).nullable();

  app.post("/app/installations/:installation_id/access_tokens", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const installation = installationById(Number(c.req.param("installation_id")));
    if (installation === undefined) return notFound();
    const text = await c.req.text();
    let body: unknown = null;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch (error) {
      return githubError(400, `Problems parsing JSON: ${(error as Error).message}`);
    }
    const parsed = TokenRequest.safeParse(body);
    if (!parsed.success) return githubError(422, "Invalid request", [parsed.error.message]);
    const repositories = parsed.data?.repositories;
    const unknown = (repositories ?? []).filter((name) =>
      installation.repos !== undefined && !installation.repos.some((repo) => same(repo, name))
    );
    if (unknown.length > 0) {
      return githubError(
        422,
        `There is at least one repository that does not exist or is not accessible to the parent installation.`,
      );
    }
    // A token may narrow the installation's permissions, never widen them.
    const granted = installation.permissions ?? PERMISSIONS;
    const permissions = parsed.data?.permissions ?? granted;
    const isWider = Object.entries(permissions).some(([name, level]) =>
      !allows(granted, name, level as "read" | "write")
    );
    if (isWider) {
      return githubError(422, "The permissions requested are not granted to this installation.");
    }
    const { token, grant } = state.tokens.issue({
      installationId: installation.id,
      repositories,
      permissions,
    });
    return c.json({
      token,
      expires_at: githubTime(grant.expiresAt),
      permissions,
      repository_selection: installation.repos === undefined && repositories === undefined
        ? "all"
        : "selected",
    }, 201);
  });

  app.get("/repos/:owner/:repo/installation", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const { owner, repo } = c.req.param();
    const installation = state.installations.find((i) =>
      same(i.account, owner) && (i.repos === undefined || i.repos.some((r) => same(r, repo)))
    );
    return installation ? c.json(installationJson(installation)) : notFound();
  });

  app.get("/orgs/:org/installation", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const installation = state.installations.find((i) =>
      same(i.account, c.req.param("org")) && i.accountType !== "User"
    );
    return installation ? c.json(installationJson(installation)) : notFound();
  });

  app.get("/app/hook/deliveries", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const { items, link } = paginate(c, state.deliveries.list());
    if (link !== undefined) c.header("link", link);
    return c.json(items);
  });

  app.post("/app/hook/deliveries/:delivery_id/attempts", async (c) => {
    const refusal = await requireApp(c);
    if (refusal) return refusal;
    const redelivery = state.deliveries.redeliver(Number(c.req.param("delivery_id")));
    return redelivery ? c.json({}, 202) : notFound();
  });

  return app;
}
