/**
 * `GET /healthz?deep=1`: whether libSQL answers and every core that has
 * called in has leased within the last minute. 200 when all is well, 503
 * naming what is not. No secrets and no job data: core ids and times only.
 */
import type { Context } from "hono";
import { coreHealthOf } from "../../shared/core_health.ts";
import { DatabaseUnavailableError } from "../api/database_guard.ts";
import { databaseOf } from "../api/database.ts";
import { nowOf } from "../clock.ts";
import type { AppEnv } from "../env.ts";
import { coreBeats } from "./control_store.ts";

export async function deepHealth(c: Context<AppEnv>): Promise<Response> {
  const now = nowOf(c.env);
  let beats;
  try {
    beats = await coreBeats(databaseOf(c.env));
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    return c.json({ status: "unavailable", database: "unavailable", cores: [] }, 503);
  }
  const cores = beats.map((beat) => {
    const health = coreHealthOf(beat, now);
    return { coreId: health.coreId, isDown: health.isDown, downForSeconds: health.downForSeconds };
  });
  const isHealthy = cores.every((core) => !core.isDown);
  return c.json(
    { status: isHealthy ? "ok" : "degraded", database: "ok", cores },
    isHealthy ? 200 : 503,
  );
}
