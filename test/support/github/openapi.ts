/**
 * Checks a response body against GitHub's official OpenAPI description (the
 * `@octokit/openapi` package), so the fake cannot drift from what real GitHub
 * returns. A small validator for the JSON Schema subset that description uses:
 * `$ref`, `type`, `nullable`, `properties`, `required`, `additionalProperties`,
 * `items`, `minItems`/`maxItems`, `enum`, `allOf`/`anyOf`/`oneOf`. Formats are
 * not checked.
 *
 * @module
 */

/** A JSON Schema object as it appears in the description (loosely typed on purpose). */
export type Schema = {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};

interface Response {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Operation {
  operationId: string;
  responses: Record<string, Response>;
}

/** The parsed OpenAPI document of api.github.com. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

/** An operation matched to a concrete request path. */
export interface MatchedOperation {
  /** The path template, e.g. `/repos/{owner}/{repo}/actions/jobs/{job_id}`. */
  template: string;
  operationId: string;
  operation: Operation;
}

const DESCRIPTION_URL = new URL(
  "../../../node_modules/@octokit/openapi/generated/api.github.com.json",
  import.meta.url,
);

let loaded: Promise<OpenApiDocument> | undefined;

/** Load the api.github.com description once per process (it is about 13 MB). */
export function loadGithubOpenApi(): Promise<OpenApiDocument> {
  loaded ??= Deno.readTextFile(DESCRIPTION_URL).then((text) => JSON.parse(text));
  return loaded;
}

/** Follow a local `$ref` such as `#/components/schemas/job`. */
function resolve<T>(document: OpenApiDocument, ref: string): T {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported, got ${ref}`);
  let node: unknown = document;
  for (const key of ref.slice(2).split("/")) {
    node = (node as Record<string, unknown> | undefined)?.[key.replaceAll("~1", "/")];
  }
  if (node === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return node as T;
}

/** The operation whose path template matches `path` (no query string) for `method`. */
export function findOperation(
  document: OpenApiDocument,
  method: string,
  path: string,
): MatchedOperation | undefined {
  const segments = path.split("/");
  let best: MatchedOperation | undefined;
  let bestLiterals = -1;
  for (const [template, item] of Object.entries(document.paths)) {
    const operation = item[method.toLowerCase()];
    if (operation === undefined) continue;
    const parts = template.split("/");
    if (parts.length !== segments.length) continue;
    let literals = 0;
    const isMatch = parts.every((part, i) => {
      if (part.startsWith("{") && part.endsWith("}")) return segments[i] !== "";
      literals++;
      return part === segments[i];
    });
    // `/app/hook/deliveries/{id}` and `/app/hook/config` both fit some paths; literals win.
    if (isMatch && literals > bestLiterals) {
      best = { template, operationId: operation.operationId, operation };
      bestLiterals = literals;
    }
  }
  return best;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Errors found validating `value` against `schema`; empty when it conforms. */
export function validateSchema(
  document: OpenApiDocument,
  schema: Schema,
  value: unknown,
  at = "$",
): string[] {
  if (schema.$ref !== undefined) {
    return validateSchema(document, resolve<Schema>(document, schema.$ref), value, at);
  }
  if (value === null && schema.nullable === true) return [];

  const errors: string[] = [];
  for (const part of schema.allOf ?? []) errors.push(...validateSchema(document, part, value, at));
  if (schema.anyOf !== undefined) {
    const outcomes = schema.anyOf.map((part) => validateSchema(document, part, value, at));
    if (!outcomes.some((outcome) => outcome.length === 0)) {
      errors.push(`${at}: matches none of anyOf (${outcomes.map((o) => o[0]).join(" | ")})`);
    }
  }
  if (schema.oneOf !== undefined) {
    const outcomes = schema.oneOf.map((part) => validateSchema(document, part, value, at));
    const matches = outcomes.filter((outcome) => outcome.length === 0).length;
    if (matches !== 1) {
      errors.push(
        `${at}: matches ${matches} of oneOf, expected exactly 1` +
          (matches === 0 ? ` (${outcomes.map((o) => o[0]).join(" | ")})` : ""),
      );
    }
  }

  const type = schema.type ?? (schema.properties !== undefined ? "object" : undefined);
  if (type !== undefined) {
    const actual = typeOf(value);
    const fits = actual === type || (type === "number" && actual === "integer");
    if (!fits) return [...errors, `${at}: expected ${type}, got ${actual}`];
  } else if (
    value === null && schema.allOf === undefined && schema.anyOf === undefined &&
    schema.oneOf === undefined
  ) {
    return errors;
  }

  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }

  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push(`${at}: fewer than ${schema.minItems} items`);
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errors.push(`${at}: more than ${schema.maxItems} items`);
    }
    if (schema.items !== undefined) {
      const items = schema.items;
      value.forEach((item, i) =>
        errors.push(...validateSchema(document, items, item, `${at}[${i}]`))
      );
    }
  } else if (type === "object" && typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) errors.push(`${at}: missing required property "${key}"`);
    }
    for (const [key, item] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property !== undefined) {
        errors.push(...validateSchema(document, property, item, `${at}.${key}`));
      } else if (schema.additionalProperties === false) {
        errors.push(`${at}: unexpected property "${key}"`);
      } else if (typeof schema.additionalProperties === "object") {
        errors.push(...validateSchema(document, schema.additionalProperties, item, `${at}.${key}`));
      }
    }
  }
  return errors;
}

/** The documented JSON schema of `operation`'s response with `status`, or null for no body. */
export function responseSchema(
  document: OpenApiDocument,
  operation: Operation,
  status: number,
): Schema | null {
  let response = operation.responses[String(status)];
  if (response === undefined) {
    throw new Error(
      `${operation.operationId} documents no ${status} response (documented: ${
        Object.keys(operation.responses).join(", ")
      })`,
    );
  }
  if (response.$ref !== undefined) response = resolve<Response>(document, response.$ref);
  return response.content?.["application/json"]?.schema ?? null;
}

/**
 * Errors found validating a response against GitHub's description of the
 * operation `method path` for `status`. Throws when the operation or status is
 * not documented at all, since that is a bug in the fake, not a bad body.
 */
export function validateResponse(
  document: OpenApiDocument,
  response: { method: string; path: string; status: number; body: unknown },
): string[] {
  const matched = findOperation(document, response.method, response.path);
  if (matched === undefined) {
    throw new Error(`no GitHub operation documented for ${response.method} ${response.path}`);
  }
  const schema = responseSchema(document, matched.operation, response.status);
  if (schema === null) {
    const isEmpty = response.body === null || response.body === undefined || response.body === "";
    return isEmpty ? [] : [`$: ${matched.operationId} ${response.status} has no body`];
  }
  return validateSchema(document, schema, response.body).map((error) =>
    `${matched.operationId} ${response.status} ${error}`
  );
}
