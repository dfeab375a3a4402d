/**
 * GitHub REST conventions the fake follows: the error body, `per_page`/`page`
 * pagination with a `link` header, and case-insensitive owner/repo names.
 *
 * @module
 */
import type { Context } from "hono";

const DOCS = "https://docs.github.com/rest";

/** GitHub's error body. */
export function githubError(status: number, message: string, errors?: string[]): Response {
  const body = {
    message,
    documentation_url: DOCS,
    status: String(status),
    ...(errors && { errors }),
  };
  return Response.json(body, { status });
}

/** GitHub's 404, also its answer for what a token may not see. */
export const notFound = (): Response => githubError(404, "Not Found");

/** A page of `items` per GitHub's `per_page`/`page`, with a `link` header when there is more. */
export function paginate<T>(c: Context, items: T[]): { items: T[]; link?: string } {
  const perPage = Math.min(Math.max(Number(c.req.query("per_page") ?? 30) || 30, 1), 100);
  const page = Math.max(Number(c.req.query("page") ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  if (page >= last) return { items: items.slice((page - 1) * perPage, page * perPage) };
  const url = new URL(c.req.url);
  const at = (n: number) => {
    url.searchParams.set("page", String(n));
    return url.toString();
  };
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    link: `<${at(page + 1)}>; rel="next", <${at(last)}>; rel="last"`,
  };
}

/** A `{ total_count, [key]: page }` list response, paginated. */
export function listResponse(c: Context, key: string, all: unknown[]): Response {
  const { items, link } = paginate(c, all);
  if (link !== undefined) c.header("link", link);
  return c.json({ total_count: all.length, [key]: items });
}

/** GitHub compares owner and repository names case-insensitively. */
export const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A path parameter; every route declares the ones it reads. */
export const param = (c: Context, name: string): string => c.req.param(name) ?? "";
