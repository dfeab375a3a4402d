/**
 * Environment variables laid over a config value, driven by the config's
 * zod schema: each leaf key path has one variable (`aws.region` ←
 * `GANTRY_AWS_REGION`). The variable name is derived from the path, never
 * split back into one, because keys themselves contain underscores.
 *
 * @module
 */

import type { z } from "zod";

/** A config key an environment variable can set. */
export interface EnvKey {
  /** Config key path, e.g. `["aws", "region"]`. */
  path: readonly string[];
  /** Its variable, e.g. `GANTRY_AWS_REGION`. */
  env: string;
  /** How the string value is read. */
  kind: "string" | "number" | "boolean";
}

/**
 * Every leaf key of an object schema, with its variable name: `prefix` plus
 * the path upper-snake-cased. Keys inside lists and records have none.
 */
export function envKeysOf(schema: z.core.$ZodType, options: { prefix: string }): EnvKey[] {
  return leavesOf(schema, [], options.prefix);
}

/**
 * A copy of `raw` with each set variable of `keys` written at its path.
 * Numbers and booleans are converted for their key; a value that does not
 * convert stays a string, so the schema reports it at its key. Empty
 * variables count as unset. A non-object `raw`, or a non-object in the way
 * of a path, is left alone for the schema to report; `raw` is not modified.
 */
export function overlayEnv(
  raw: unknown,
  options: { env: Readonly<Record<string, string | undefined>>; keys: readonly EnvKey[] },
): unknown {
  const base: unknown = raw ?? {};
  if (!isRecord(base)) return raw;
  let result = base;
  for (const key of options.keys) {
    const value = options.env[key.env];
    if (value === undefined || value === "") continue;
    result = setPath(result, key.path, convert(value, key.kind));
  }
  return result;
}

function leavesOf(schema: z.core.$ZodType, path: string[], prefix: string): EnvKey[] {
  const def = unwrap(schema)._zod.def;
  if (def.type === "object") {
    const shape = (def as z.core.$ZodObjectDef).shape;
    return Object.entries(shape).flatMap(([key, child]) => leavesOf(child, [...path, key], prefix));
  }
  if (def.type === "array" || def.type === "record") return [];
  const kind = def.type === "number" ? "number" : def.type === "boolean" ? "boolean" : "string";
  return [{ path, env: `${prefix}${path.join("_").toUpperCase()}`, kind }];
}

/** Looks through optional, default and preprocess wrappers to the schema that judges the value. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as {
    type: string;
    innerType?: z.core.$ZodType;
    out?: z.core.$ZodType;
  };
  if (def.innerType && ["optional", "nullable", "default", "prefault"].includes(def.type)) {
    return unwrap(def.innerType);
  }
  if (def.type === "pipe" && def.out) return unwrap(def.out);
  return schema;
}

function convert(value: string, kind: EnvKey["kind"]): unknown {
  const text = value.trim();
  if (kind === "number") return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : value;
  if (kind === "boolean") {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
  }
  return value;
}

function setPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head] ?? {};
  if (!isRecord(child)) return target;
  return { ...target, [head]: setPath(child, rest, value) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
