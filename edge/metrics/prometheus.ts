/** Renders the queue's stats and counters in the Prometheus text format. */
import type { QueueStats } from "../queue/job_queue.ts";
import { LEASE_LATENCY_BUCKETS_MS } from "../queue/job_queue.ts";

export function renderMetrics(stats: QueueStats, counters: Record<string, number>): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
  gauge("gantry_queue_ready", "Events waiting for a core.", stats.ready);
  gauge("gantry_queue_leased", "Events leased to a core and not yet acked.", stats.leased);
  gauge("gantry_queue_delayed", "Events nacked and waiting out their retry delay.", stats.delayed);
  gauge("gantry_queue_dead_letters", "Events the queue gave up on.", stats.dead);

  lines.push(
    "# HELP gantry_webhooks_total Webhooks by outcome.",
    "# TYPE gantry_webhooks_total counter",
  );
  for (const [name, value] of Object.entries(counters).sort()) {
    if (name === "enqueued_workflow_job") {
      lines.push(`gantry_webhooks_total{outcome="accepted"} ${value}`);
    } else if (name === "webhooks_duplicate") {
      lines.push(`gantry_webhooks_total{outcome="duplicate"} ${value}`);
    } else if (name.startsWith("webhook_rejected:")) {
      const reason = name.slice("webhook_rejected:".length).replace(/[^a-z0-9_]/g, "_");
      lines.push(`gantry_webhooks_total{outcome="rejected",reason="${reason}"} ${value}`);
    }
  }
  lines.push(
    "# HELP gantry_runner_events_total Lifecycle callbacks from runner instances.",
    "# TYPE gantry_runner_events_total counter",
    `gantry_runner_events_total ${counters["enqueued_runner_event"] ?? 0}`,
    "# HELP gantry_lease_latency_ms Time from webhook accepted to first lease, in ms.",
    "# TYPE gantry_lease_latency_ms histogram",
  );
  for (const bound of LEASE_LATENCY_BUCKETS_MS) {
    lines.push(
      `gantry_lease_latency_ms_bucket{le="${bound}"} ${
        counters[`lease_latency_ms_bucket:${bound}`] ?? 0
      }`,
    );
  }
  const count = counters["lease_latency_ms_bucket:+Inf"] ?? 0;
  lines.push(
    `gantry_lease_latency_ms_bucket{le="+Inf"} ${count}`,
    `gantry_lease_latency_ms_sum ${counters["lease_latency_ms_sum"] ?? 0}`,
    `gantry_lease_latency_ms_count ${count}`,
  );
  return lines.join("\n") + "\n";
}
