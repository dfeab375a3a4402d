import { formatUsd } from "../../shared/cost.ts";
import type { WarmReason } from "../../shared/launch/warm_bounds.ts";
import type { WarmKindInventory, WarmPoolsResponse } from "../../shared/schema/warm_pools.ts";

const KIND_LABELS: Record<WarmKindInventory["kind"], string> = {
  hot: "hot (running, idle)",
  stopped: "stopped",
};

/** Why a kind's target is what it is, in words. */
export const WARM_REASON_LABELS: Record<WarmReason, string> = {
  "min": "its minimum",
  "in-window": "inside its schedule's window",
  "off-hours": "off hours",
  "budget": "capped by its idle budget",
};

/**
 * The Pools page's warm capacity: per pool and kind, what waits now against
 * the core's target, why, and what idle capacity cost this UTC day.
 */
export function WarmCapacityTable(props: { data: WarmPoolsResponse | null; error: string | null }) {
  const { data, error } = props;
  const rows = (data?.pools ?? []).flatMap((pool) =>
    pool.kinds.filter((k) => k.decision !== null || k.current > 0 || k.idleUsdToday > 0)
      .map((kind) => ({ pool, kind }))
  );
  return (
    <section class="card" data-testid="warm-capacity">
      <h2 id="warm-capacity-title">Warm capacity</h2>
      {error && <p class="banner banner-bad" role="alert">{error}</p>}
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="warm-capacity-title">
        <table class="config" aria-busy={data === null && error === null}>
          <caption>
            Idle capacity each pool keeps, per kind: waiting now, the core's target and why, and
            what it cost today (UTC).
          </caption>
          <thead>
            <tr>
              <th scope="col">Project / pool</th>
              <th scope="col">Kind</th>
              <th scope="col" class="num">Waiting</th>
              <th scope="col" class="num">Target</th>
              <th scope="col" class="num">Max</th>
              <th scope="col">Why</th>
              <th scope="col" class="num">Idle cost today</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ pool, kind }) => (
              <tr key={`${pool.poolId}/${kind.kind}`} data-warm={`${pool.pool}/${kind.kind}`}>
                <th scope="row">
                  <span class="muted">{pool.project} /</span> {pool.pool}
                </th>
                <td>{KIND_LABELS[kind.kind]}</td>
                <td class="num">{kind.current}</td>
                <td class="num">{kind.decision?.target ?? "—"}</td>
                <td class="num">{kind.decision?.max ?? "—"}</td>
                <td>
                  {kind.decision ? WARM_REASON_LABELS[kind.decision.reason] : "not sized yet"}
                </td>
                <td class="num">
                  {formatUsd(kind.idleUsdToday)}
                  {kind.unquoted > 0 && (
                    <span class="muted small">{` + ${kind.unquoted} unquoted`}</span>
                  )}
                </td>
              </tr>
            ))}
            {data !== null && rows.length === 0 && (
              <tr>
                <td colSpan={7} class="empty">No pool keeps warm capacity.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
