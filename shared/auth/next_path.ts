/**
 * Where a sign-in may send the browser afterwards: a path on this console,
 * nothing else. Both the edge (SSO callback) and the console (local sign-in)
 * use this one check, so neither can be talked into an open redirect.
 *
 * @module
 */

/** A stand-in origin for a relative check; a real one gives the same answers. */
const PLACEHOLDER_ORIGIN = "https://console.gantry.invalid";

/** The longest return path kept; longer ones go to `/`. */
export const MAX_NEXT_PATH = 2000;

/**
 * `next` as a path on `origin` (path, query and fragment), or `/` when it
 * names another origin, has a control character anywhere (browsers strip
 * tabs and newlines, so `/\t/evil.example` would become `//evil.example`),
 * or would be read as protocol-relative (`//host`) once normalised.
 */
export function safeNextPath(
  next: string | null | undefined,
  origin: string = PLACEHOLDER_ORIGIN,
): string {
  if (!next || next.length > MAX_NEXT_PATH || !next.startsWith("/")) return "/";
  if (/\p{Cc}/u.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch (_unparsable) {
    return "/";
  }
  if (url.origin !== new URL(origin).origin) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // `/.//evil.example` normalises to `//evil.example`: a Location the browser reads as a host.
  if (path.startsWith("//") || path.includes("\\")) return "/";
  return path;
}
