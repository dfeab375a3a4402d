/**
 * Just enough of the Workers runtime's types for `deno check`: Deno cannot
 * resolve `cloudflare:workers`, so deno.json maps it here. workerd supplies
 * the real module at run time (wrangler never bundles this file); only
 * type-only names are imported from here besides `DurableObject`.
 */
export interface SqlStorageCursor<T> extends Iterable<T> {
  toArray(): T[];
  one(): T;
  readonly rowsWritten: number;
}
export interface SqlStorage {
  exec<T = Record<string, SqlStorageValue>>(
    query: string,
    ...bindings: unknown[]
  ): SqlStorageCursor<T>;
}
export type SqlStorageValue = ArrayBuffer | string | number | null;
export interface DurableObjectStorage {
  readonly sql: SqlStorage;
  setAlarm(scheduledTime: number | Date): Promise<void>;
  getAlarm(): Promise<number | null>;
  transactionSync<T>(closure: () => T): T;
}
export interface DurableObjectState {
  readonly storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}
export interface DurableObjectId {
  toString(): string;
}
export interface DurableObjectNamespace<T> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub<T>;
}
type Promisified<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>>
    : never;
};
export type DurableObjectStub<T> = Promisified<Omit<T, "ctx" | "env" | "alarm" | "fetch">>;
export interface Fetcher {
  fetch(request: Request): Promise<Response>;
}
/**
 * A stand-in with the real class's shape, so Deno can load the Worker's
 * modules in-process (edge/openapi/openapi_test.ts lists the app's routes).
 */
export abstract class DurableObject<Env = unknown> {
  protected ctx: DurableObjectState;
  protected env: Env;
  constructor(ctx: DurableObjectState, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}
