/**
 * The baseline Worker for the ingest benchmark: `POST /webhook` hands the raw
 * body to one SQLite Durable Object over RPC, which inserts it as a row, then
 * answers 202 — the runtime's own floor for "stored durably, then answered".
 * No Hono, no signature, no JSON, no dedupe: the edge's ratio to this is
 * what those cost.
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectNamespace, DurableObjectState } from "cloudflare:workers";

interface Env {
  BODIES: DurableObjectNamespace<BodyStore>;
}

export class BodyStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
    );
  }

  /** Inserts one body; the output gate holds the reply until the write is durable. */
  insert(body: string): void {
    this.ctx.storage.sql.exec("INSERT INTO bodies (body) VALUES (?)", body);
  }

  /** Rows stored so far, so the benchmark can check nothing was dropped. */
  count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM bodies").one().n;
  }
}

function store(env: Env) {
  return env.BODIES.get(env.BODIES.idFromName("primary"));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/webhook") {
      await store(env).insert(await request.text());
      return Response.json({ status: "queued" }, { status: 202 });
    }
    if (pathname === "/healthz") return Response.json({ status: "ok" });
    if (pathname === "/rows") return Response.json({ rows: await store(env).count() });
    return new Response("not found", { status: 404 });
  },
};
