/**
 * Webhook fixtures from real payloads (@octokit/webhooks-examples), adapted to
 * a test's repo, job and labels, and signed with the test's secret.
 */
const EXAMPLES = new URL(
  "../../node_modules/@octokit/webhooks-examples/api.github.com/index.json",
  import.meta.url,
);

type Json = Record<string, unknown>;
let cachedExamples: Json[] | undefined;

async function workflowJobExamples(): Promise<Json[]> {
  if (!cachedExamples) {
    const definitions = JSON.parse(await Deno.readTextFile(EXAMPLES)) as {
      name: string;
      examples: Json[];
    }[];
    cachedExamples = definitions.find((d) => d.name === "workflow_job")?.examples ?? [];
  }
  return cachedExamples;
}

export interface WorkflowJobFixture {
  action: "queued" | "waiting" | "in_progress" | "completed";
  jobId: number;
  runId?: number;
  repo?: string;
  labels?: string[];
  runnerName?: string | null;
  conclusion?: string | null;
  installationId?: number;
}

/** A real `workflow_job` example for `action`, rewritten to the fixture's ids. */
export async function workflowJobPayload(fixture: WorkflowJobFixture): Promise<Json> {
  const examples = await workflowJobExamples();
  const example = examples.find((e) => e.action === fixture.action) ?? examples[0];
  const body = structuredClone(example) as Json & {
    workflow_job: Json;
    repository: Json & { owner: Json };
    installation?: Json;
  };
  const [owner, name] = (fixture.repo ?? "octocat/hello-world").split("/");
  body.action = fixture.action;
  Object.assign(body.workflow_job, {
    id: fixture.jobId,
    run_id: fixture.runId ?? fixture.jobId * 10,
    run_attempt: 1,
    labels: fixture.labels ?? ["self-hosted"],
    status: fixture.action === "waiting" ? "waiting" : fixture.action,
    conclusion: fixture.action === "completed" ? (fixture.conclusion ?? "success") : null,
    runner_name: fixture.runnerName ?? null,
    created_at: new Date().toISOString(),
    started_at: new Date().toISOString(),
    completed_at: fixture.action === "completed" ? new Date().toISOString() : null,
  });
  Object.assign(body.repository, { name, full_name: `${owner}/${name}` });
  Object.assign(body.repository.owner, { login: owner });
  body.installation = { id: fixture.installationId ?? 1 };
  return body;
}

/** `sha256=<hex>` HMAC of `body` under `secret`, as GitHub sends it. */
export async function signBody(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return `sha256=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** POSTs a signed webhook to the edge as GitHub would. */
export async function postWebhook(
  edgeUrl: string,
  payload: unknown,
  options: { secret: string; event?: string; deliveryId?: string; signature?: string | null },
): Promise<Response> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": options.event ?? "workflow_job",
    "x-github-delivery": options.deliveryId ?? crypto.randomUUID(),
    "user-agent": "GitHub-Hookshot/test",
  };
  const signature = options.signature === undefined
    ? await signBody(body, options.secret)
    : options.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return await fetch(`${edgeUrl}/webhook`, { method: "POST", headers, body });
}
