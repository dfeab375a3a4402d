import { ConfigError } from "../../shared/errors.ts";
import type { Env } from "../env.ts";

/** GitHub's web origin, unless GITHUB_SERVER_URL names a GitHub Enterprise Server. */
export const DEFAULT_GITHUB_SERVER_URL = "https://github.com";

/**
 * The origin job links (`workflow_job.html_url`) must be on: GITHUB_SERVER_URL
 * (as GitHub Actions names it), default `https://github.com`.
 *
 * @throws {ConfigError} when it is set but not an https:// origin.
 */
export function githubServerUrlOf(env: Env): string {
  const raw = env.GITHUB_SERVER_URL?.trim();
  if (!raw) return DEFAULT_GITHUB_SERVER_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new ConfigError(
      "GITHUB_SERVER_URL must be an https:// URL such as https://github.example.com",
      { cause },
    );
  }
  if (url.protocol !== "https:" || url.pathname !== "/" || url.search || url.username) {
    throw new ConfigError(
      "GITHUB_SERVER_URL must be an https:// origin such as https://github.example.com",
    );
  }
  return url.origin;
}
