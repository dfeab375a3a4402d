/**
 * The EC2 Query wire protocol as the emulator speaks it: form-encoded
 * requests in (`Action=RunInstances&Version=2016-11-15&InstanceId.1=…`),
 * `text/xml` out, and the `<Response><Errors>` envelope for failures.
 *
 * @module
 */

/** The raw form parameters of one request, keyed by their wire names. */
export type Params = Record<string, string>;

/** The namespace every EC2 response element carries. */
export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** A value the XML renderer turns into elements; arrays become `<item>` lists. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | XmlValue[]
  | { [element: string]: XmlValue };

/** An EC2 API error: the `Code` a client branches on, and the HTTP status AWS uses for it. */
export class Ec2ApiError extends Error {
  /** The EC2 error code, e.g. `InvalidAMIID.Malformed`. */
  readonly code: string;
  /** The HTTP status: 400 for client errors, 500/503 for capacity and throttling. */
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = "Ec2ApiError";
    this.code = code;
    this.status = status;
  }
}

/** Decodes an `application/x-www-form-urlencoded` body into wire-named params. */
export function parseForm(body: string): Params {
  return Object.fromEntries(new URLSearchParams(body));
}

function indexesUnder(params: Params, prefix: string): number[] {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}\\.(\\d+)(?:\\.|$)`);
  const indexes = new Set<number>();
  for (const key of Object.keys(params)) {
    const match = pattern.exec(key);
    if (match) indexes.add(Number(match[1]));
  }
  return [...indexes].sort((a, b) => a - b);
}

/** The values of a flattened scalar list: `InstanceId.1`, `InstanceId.2`, … in index order. */
export function listValues(params: Params, prefix: string): string[] {
  return indexesUnder(params, prefix)
    .map((index) => params[`${prefix}.${index}`])
    .filter((value): value is string => value !== undefined);
}

/** The members of a flattened structure list, each with `Prefix.N.` stripped from its keys. */
export function listStructs(params: Params, prefix: string): Params[] {
  return indexesUnder(params, prefix).map((index) => subParams(params, `${prefix}.${index}`));
}

/** The params under one structure member, with `Prefix.` stripped from their keys. */
export function subParams(params: Params, prefix: string): Params {
  const lead = `${prefix}.`;
  const nested: Params = {};
  for (const [key, value] of Object.entries(params)) {
    if (key.startsWith(lead)) nested[key.slice(lead.length)] = value;
  }
  return nested;
}

/** One `Filter.N` of a Describe call. */
export interface Filter {
  name: string;
  values: string[];
}

/** Reads `Filter.N.Name` / `Filter.N.Value.M`. */
export function parseFilters(params: Params): Filter[] {
  return listStructs(params, "Filter").map((filter) => ({
    name: filter.Name ?? "",
    values: listValues(filter, "Value"),
  }));
}

/** Tags per resource type, read from `TagSpecification.N.ResourceType` / `.Tag.M.Key|Value`. */
export function parseTagSpecifications(params: Params): Map<string, Record<string, string>> {
  const byType = new Map<string, Record<string, string>>();
  for (const spec of listStructs(params, "TagSpecification")) {
    const type = spec.ResourceType ?? "";
    byType.set(type, { ...byType.get(type), ...parseTags(spec, "Tag") });
  }
  return byType;
}

/** Tags a resource may carry, not counting `aws:` ones (EC2 user guide, "Tag restrictions"). */
export const MAX_TAGS_PER_RESOURCE = 50;

/** Throws TagLimitExceeded when `tags` would give one resource more than 50 user tags. */
export function checkTagLimit(tags: Record<string, string>, resource: string): void {
  const count = Object.keys(tags).filter((key) => !key.toLowerCase().startsWith("aws:")).length;
  if (count > MAX_TAGS_PER_RESOURCE) {
    throw new Ec2ApiError(
      "TagLimitExceeded",
      `The ${resource} would have ${count} tags; a resource can have at most ${MAX_TAGS_PER_RESOURCE}.`,
    );
  }
}

/** Reads `Tag.N.Key` / `Tag.N.Value` into a record (a missing value is the empty string). */
export function parseTags(params: Params, prefix: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of listStructs(params, prefix)) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
  }
  return tags;
}

/** Renders a tag record as an EC2 `tagSet`. */
export function tagSet(tags: Record<string, string>): XmlValue[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** True when `value` matches an EC2 filter pattern, where `*` and `?` are wildcards. */
export function matchesPattern(value: string, pattern: string): boolean {
  if (!/[*?]/.test(pattern)) return value === pattern;
  const source = [...pattern].map((char) =>
    char === "*" ? ".*" : char === "?" ? "." : escapeRegExp(char)
  ).join("");
  return new RegExp(`^${source}$`, "s").test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Escapes text for an XML element body. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char]);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Renders a value as XML elements: objects by key, arrays as `<item>` members, nullish omitted. */
export function renderXml(value: XmlValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => element("item", item)).join("");
  if (typeof value === "object") {
    return Object.entries(value).map(([name, child]) => element(name, child)).join("");
  }
  return escapeXml(String(value));
}

function element(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return "";
  const body = renderXml(value);
  return body === "" ? `<${name}/>` : `<${name}>${body}</${name}>`;
}

/** A successful EC2 response: `<ActionResponse xmlns=…><requestId>…</requestId>…`. */
export function xmlResponse(action: string, requestId: string, result: XmlValue): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">` +
    `<requestId>${requestId}</requestId>${renderXml(result)}</${action}Response>`;
  return new Response(body, { headers: xmlHeaders(requestId) });
}

/** A failed EC2 response in the `<Response><Errors><Error>` envelope EC2 uses. */
export function xmlError(error: Ec2ApiError, requestId: string): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
    `</Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  return new Response(body, { status: error.status, headers: xmlHeaders(requestId) });
}

function xmlHeaders(requestId: string): HeadersInit {
  return { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId };
}

/** A random lowercase hex string, the body of EC2 resource ids (`i-`, `r-`, `lt-`). */
export function randomHex(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(length / 2)));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, length);
}

/** A stable 32-bit hash of a string, for deterministic placement and SKUs. */
export function hashOf(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}
