/**
 * Who is who on the fake GitHub: accounts, repositories, the app and its
 * installations, shaped as the REST API returns them. Types come from
 * `@octokit/openapi-types`; the tests also check every body against the
 * OpenAPI description at runtime.
 *
 * API URLs point at the fake (so a client following them stays on it); web
 * URLs point at github.com, as they would for real.
 *
 * @module
 */
import type { components } from "@octokit/openapi-types";

type Schemas = components["schemas"];
/** A user or organisation as GitHub embeds it in other objects. */
export type SimpleUser = Schemas["simple-user"];
/** The GitHub App (`GET /app`). */
export type Integration = NonNullable<Schemas["integration"]>;
/** An installation of the app on an account. */
export type Installation = Schemas["installation"];
/** The repository summary embedded in a workflow run. */
export type MinimalRepository = Schemas["minimal-repository"];
/** A repository in full, as `GET /installation/repositories` lists it. */
export type Repository = Schemas["repository"];

const WEB = "https://github.com";
const EPOCH = "2024-01-01T00:00:00Z";

/** A stable positive id for a name, so the same login always gets the same id. */
export function stableId(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name.toLowerCase()) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 900_000_000) + 1_000;
}

/** GitHub's timestamp format: ISO 8601 without milliseconds. */
export function githubTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A node id in GitHub's legacy format (opaque to clients). */
export function nodeId(kind: string, id: number): string {
  return btoa(`0${kind.length}:${kind}${id}`);
}

/** An account (organisation or user) by login. */
export function accountOf(
  login: string,
  options: { apiUrl: string; type?: "Organization" | "User" },
): SimpleUser {
  const id = stableId(login);
  const api = `${options.apiUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(options.type ?? "Organization", id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: `${WEB}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: options.type ?? "Organization",
    site_admin: false,
    user_view_type: "public",
  };
}

/** The repository summary GitHub embeds in runs, for `owner/name`. */
export function repositoryOf(fullName: string, options: { apiUrl: string }): MinimalRepository {
  const [owner, name] = fullName.split("/");
  const api = `${options.apiUrl}/repos/${fullName}`;
  const id = stableId(fullName);
  const templated = (path: string) => `${api}/${path}`;
  return {
    id,
    node_id: nodeId("Repository", id),
    name,
    full_name: fullName,
    owner: accountOf(owner, options),
    private: true,
    html_url: `${WEB}/${fullName}`,
    description: null,
    fork: false,
    url: api,
    archive_url: templated("{archive_format}{/ref}"),
    assignees_url: templated("assignees{/user}"),
    blobs_url: templated("git/blobs{/sha}"),
    branches_url: templated("branches{/branch}"),
    collaborators_url: templated("collaborators{/collaborator}"),
    comments_url: templated("comments{/number}"),
    commits_url: templated("commits{/sha}"),
    compare_url: templated("compare/{base}...{head}"),
    contents_url: templated("contents/{+path}"),
    contributors_url: templated("contributors"),
    deployments_url: templated("deployments"),
    downloads_url: templated("downloads"),
    events_url: templated("events"),
    forks_url: templated("forks"),
    git_commits_url: templated("git/commits{/sha}"),
    git_refs_url: templated("git/refs{/sha}"),
    git_tags_url: templated("git/tags{/sha}"),
    hooks_url: templated("hooks"),
    issue_comment_url: templated("issues/comments{/number}"),
    issue_events_url: templated("issues/events{/number}"),
    issues_url: templated("issues{/number}"),
    keys_url: templated("keys{/key_id}"),
    labels_url: templated("labels{/name}"),
    languages_url: templated("languages"),
    merges_url: templated("merges"),
    milestones_url: templated("milestones{/number}"),
    notifications_url: templated("notifications{?since,all,participating}"),
    pulls_url: templated("pulls{/number}"),
    releases_url: templated("releases{/id}"),
    stargazers_url: templated("stargazers"),
    statuses_url: templated("statuses/{sha}"),
    subscribers_url: templated("subscribers"),
    subscription_url: templated("subscription"),
    tags_url: templated("tags"),
    teams_url: templated("teams"),
    trees_url: templated("git/trees{/sha}"),
  };
}

/** A repository in full (a private, empty one on its default branch `main`), for `owner/name`. */
export function fullRepositoryOf(fullName: string, options: { apiUrl: string }): Repository {
  // The summary's optional permissions have a looser type than the full repository's; it sets none.
  const { permissions: _none, ...minimal } = repositoryOf(fullName, options);
  return {
    ...minimal,
    description: null,
    fork: false,
    archived: false,
    disabled: false,
    clone_url: `${WEB}/${fullName}.git`,
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    svn_url: `${WEB}/${fullName}`,
    mirror_url: null,
    homepage: null,
    language: null,
    license: null,
    default_branch: "main",
    created_at: EPOCH,
    updated_at: EPOCH,
    pushed_at: EPOCH,
    size: 0,
    forks: 0,
    forks_count: 0,
    open_issues: 0,
    open_issues_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    has_downloads: true,
    has_issues: true,
    has_pages: false,
    has_projects: true,
    has_wiki: true,
  };
}

/** The app itself, as `GET /app` returns it. */
export function integrationOf(options: {
  appId: number;
  clientId: string;
  slug: string;
  owner: string;
  installationsCount: number;
  apiUrl: string;
}): Integration {
  return {
    id: options.appId,
    slug: options.slug,
    node_id: nodeId("Integration", options.appId),
    client_id: options.clientId,
    owner: accountOf(options.owner, options),
    name: "Gantry (test)",
    description: "GitHub App fake for Gantry's tests",
    external_url: "https://gantry.example.com",
    html_url: `${WEB}/apps/${options.slug}`,
    created_at: EPOCH,
    updated_at: EPOCH,
    permissions: {
      actions: "write",
      administration: "write",
      metadata: "read",
      organization_self_hosted_runners: "write",
    },
    events: ["workflow_job"],
    installations_count: options.installationsCount,
  };
}

/** An installation of the app on `account`. */
export function installationOf(options: {
  id: number;
  appId: number;
  slug: string;
  account: string;
  accountType?: "Organization" | "User";
  isSelected: boolean;
  permissions: Record<string, string>;
  apiUrl: string;
}): Installation {
  // GitHub's description of `GET /app/installations` types the account as
  // simple-user *and* enterprise (allOf), so it carries the enterprise fields too.
  const account = {
    ...accountOf(options.account, { ...options, type: options.accountType }),
    name: options.account,
    slug: options.account,
    created_at: EPOCH,
    updated_at: EPOCH,
  };
  return {
    id: options.id,
    account,
    repository_selection: options.isSelected ? "selected" : "all",
    access_tokens_url: `${options.apiUrl}/app/installations/${options.id}/access_tokens`,
    repositories_url: `${options.apiUrl}/installation/repositories`,
    html_url: `${WEB}/organizations/${options.account}/settings/installations/${options.id}`,
    app_id: options.appId,
    app_slug: options.slug,
    target_id: stableId(options.account),
    target_type: account.type,
    permissions: options.permissions,
    events: ["workflow_job"],
    created_at: EPOCH,
    updated_at: EPOCH,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}
