/**
 * The cores' metrics on the edge's `/metrics`: each core's last report,
 * labelled with the core id the edge authenticated (never one a core
 * claims), merged by prom-client, which also writes the text; plus the
 * edge's own view of each core (seconds since its last lease, down or not).
 */
import { AggregatorRegistry, Gauge, Registry } from "prom-client";
import { coreHealthOf, type CoreHeartbeat } from "../../shared/core_health.ts";
import type { MetricFamily } from "../../shared/schema/control.ts";

/** A core's last heartbeat with the metric families it reported. */
export type CoreReport = CoreHeartbeat & { metrics: readonly MetricFamily[] | null };

/** The cores' metrics in the Prometheus text format (empty when no core ever called). */
export async function renderCoreMetrics(
  reports: readonly CoreReport[],
  now: number,
): Promise<string> {
  if (reports.length === 0) return "";
  const labelled = reports.map(({ coreId, metrics }) =>
    (metrics ?? []).map((family) => ({
      ...family,
      // Summed per label set: with its core id on every value, no two cores' values merge.
      aggregator: "sum" as const,
      values: family.values.map((value) => ({
        ...value,
        labels: { ...value.labels, core_id: coreId },
      })),
    }))
  );
  // deno-lint-ignore no-explicit-any -- prom-client types its input as its own metric objects.
  const reported = AggregatorRegistry.aggregate(labelled as any);
  const health = new Registry();
  const leaseAge = new Gauge({
    name: "gantry_core_lease_age_seconds",
    help: "Seconds since the core last leased, as the edge last heard.",
    labelNames: ["core_id"],
    registers: [health],
  });
  const down = new Gauge({
    name: "gantry_core_down",
    help: "1 when the core has not leased for 60 s.",
    labelNames: ["core_id"],
    registers: [health],
  });
  for (const report of reports) {
    const lastAlive = report.leasedAt ?? report.seenAt;
    leaseAge.set({ core_id: report.coreId }, Math.max(0, (now - lastAlive) / 1000));
    down.set({ core_id: report.coreId }, coreHealthOf(report, now).isDown ? 1 : 0);
  }
  return await Registry.merge([reported as Registry, health]).metrics();
}
