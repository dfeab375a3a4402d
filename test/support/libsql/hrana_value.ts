/**
 * Conversion between Hrana wire values and what the `libsql` binding binds and
 * returns. Statements run with safe integers on, so an INTEGER arrives as a
 * bigint and a REAL as a number, which keeps `1` and `1.0` apart.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { HranaValue } from "./hrana_protocol.ts";

/** A value the `libsql` binding accepts as a bind parameter. */
export type SqlValue = null | bigint | number | string | Uint8Array;

/** Decode a wire value into a bind parameter. */
export function valueFromHrana(value: HranaValue): SqlValue {
  switch (value.type) {
    case "null":
      return null;
    case "integer":
      return BigInt(value.value);
    case "float":
      return value.value;
    case "text":
      return value.value;
    case "blob":
      return new Uint8Array(Buffer.from(value.base64, "base64"));
  }
}

/** Encode a column value read from SQLite. */
export function valueToHrana(value: unknown): HranaValue {
  if (value === null || value === undefined) return { type: "null" };
  if (typeof value === "bigint") return { type: "integer", value: value.toString() };
  if (typeof value === "number") return { type: "float", value };
  if (typeof value === "string") return { type: "text", value };
  if (value instanceof Uint8Array) {
    return { type: "blob", base64: Buffer.from(value).toString("base64") };
  }
  throw new TypeError(`unexpected SQLite value of type ${typeof value}`);
}
