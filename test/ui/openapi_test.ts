/**
 * The served OpenAPI document against the running API, in workerd with
 * libSQL: every documented GET route is called with seeded data and every
 * write route with a valid body, each answer has the status the test expects
 * and validates against the document's schema for that status (ajv, JSON
 * Schema 2020-12), and each operation's documented access is what the edge
 * enforces (no session 401, a viewer on an admin route 403).
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { operatorToken } from "../support/operator.ts";
import { fixedClockVars, testNow } from "../support/test_clock.ts";
import { coreKeys, makeDeadLetter } from "./ops_fixtures.ts";
import {
  ADMIN,
  bootstrap,
  type ConsoleStack,
  seedJobs,
  SESSION_SECRET,
  startConsoleStack,
} from "./stack.ts";

const DOCUMENT_ID = "https://gantry.invalid/openapi.json";
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

type Json = Record<string, unknown>;
interface DocumentShape {
  paths: Record<string, Record<string, Operation>>;
}
interface Operation {
  "x-gantry-access": "public" | "viewer" | "admin" | "bootstrap";
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}

/** Checks answers against the document: one compiled validator per schema location. */
class AnswerChecker {
  readonly #document: DocumentShape;
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  /** `METHOD /path/{param}` of every documented operation called so far, past its access check. */
  readonly called = new Set<string>();

  constructor(document: Json) {
    this.#document = document as unknown as DocumentShape;
    addFormats.default(this.#ajv);
    this.#ajv.addSchema(document, DOCUMENT_ID);
  }

  operations(): [string, string, Operation][] {
    return Object.entries(this.#document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) =>
        [method.toUpperCase(), path, item[method]] as [string, string, Operation]
      )
    );
  }

  /** Asserts `body` is what the document says `METHOD template` answers with `status`. */
  check(method: string, template: string, status: number, body: unknown): void {
    const operation = this.#document.paths[template]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is documented`);
    // The access step calls every route without a session: that alone does not count.
    if (status !== 401 && status !== 403) this.called.add(`${method} ${template}`);
    let pointer = `/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
    let response = operation.responses[String(status)];
    assert.ok(response, `${method} ${template} documents a ${status} answer`);
    if (response.$ref) {
      pointer = response.$ref.slice(1);
      response = this.#resolve(pointer);
    }
    if (!response.content) {
      assert.equal(body, null, `${method} ${template} ${status} has no body`);
      return;
    }
    const validate = this.#ajv.compile({
      $ref: `${DOCUMENT_ID}#${pointer}/content/application~1json/schema`,
    });
    const errors = validate(body) ? [] : validate.errors;
    assert.deepEqual(errors, [], `${method} ${template} ${status}: ${JSON.stringify(body)}`);
  }

  #resolve(pointer: string): { content?: Record<string, unknown> } {
    let node: unknown = this.#document;
    for (const part of pointer.split("/").slice(1)) {
      node = (node as Json)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    }
    return node as { content?: Record<string, unknown> };
  }
}

function escape(path: string): string {
  return path.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Calls the API and checks the answer against the document; returns the parsed body. */
function callOf(stack: ConsoleStack, checker: AnswerChecker) {
  return async function call(
    method: string,
    template: string,
    expected: number,
    init: {
      params?: Record<string, string>;
      query?: string;
      bearer?: string;
      headers?: Record<string, string>;
      body?: unknown;
    } = {},
  ): Promise<Json> {
    const path = template.replace(/\{(\w+)\}/g, (_, name) => init.params?.[name] ?? name);
    const response = await fetch(`${stack.url}${path}${init.query ? `?${init.query}` : ""}`, {
      method,
      redirect: "manual",
      headers: {
        ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    assert.equal(response.status, expected, `${method} ${path}: ${text.slice(0, 500)}`);
    const isJson = response.headers.get("content-type")?.startsWith("application/json");
    const body = text && isJson ? JSON.parse(text) : null;
    checker.check(method, template, expected, body);
    return body ?? {};
  };
}

Deno.test("the API answers as its OpenAPI document says", async (t) => {
  const keys = await coreKeys();
  const now = testNow();
  const stack = await startConsoleStack({ CORE_PUBLIC_KEYS: keys.jwks, ...fixedClockVars(now) });
  try {
    const seed = await seedJobs(stack.db, { fillers: 5, now });
    await makeDeadLetter(stack, keys.privateKeyPem, 7100000001);
    const admin = await operatorToken(SESSION_SECRET, "admin");
    const viewer = await operatorToken(SESSION_SECRET, "viewer");

    const served = await fetch(`${stack.url}/api/v1/openapi.json`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    assert.equal(served.status, 200);
    const document = await served.json();
    assert.equal(document.openapi, "3.1.0");
    const checker = new AnswerChecker(document);
    const call = callOf(stack, checker);

    await t.step("the document describes itself, and needs a session", async () => {
      await call("GET", "/api/v1/openapi.json", 200, { bearer: viewer });
      await call("GET", "/api/v1/openapi.json", 401);
    });

    await t.step("every documented GET answers with seeded data", async () => {
      const { jobs } = seed;
      await call("GET", "/api/v1/auth/options", 200);
      await call("GET", "/api/v1/auth/me", 200, { bearer: viewer });
      // SSO is not configured here: both are a documented 404, not a redirect.
      await call("GET", "/api/v1/auth/oidc/login", 404);
      await call("GET", "/api/v1/auth/oidc/callback", 404);
      const page = await call("GET", "/api/v1/jobs", 200, { bearer: viewer, query: "limit=3" });
      assert.equal((page.jobs as unknown[]).length, 3);
      const failed = await call("GET", "/api/v1/jobs", 200, {
        bearer: viewer,
        query: "status=failed",
      });
      assert.deepEqual((failed.jobs as { id: string }[]).map((job) => job.id), [jobs.failed.id]);
      const detail = await call("GET", "/api/v1/jobs/{id}", 200, {
        bearer: viewer,
        params: { id: jobs.reaped.id },
      });
      assert.equal((detail.transitions as unknown[]).length, 6);
      await call("GET", "/api/v1/jobs/{id}", 404, { bearer: viewer, params: { id: "404404" } });
      const queue = await call("GET", "/api/v1/queue", 200, { bearer: viewer });
      assert.equal(queue.dead, 1);
      await call("GET", "/api/v1/overview", 200, { bearer: viewer, query: "windowHours=48" });
      await call("GET", "/api/v1/stats", 200, { bearer: viewer });
      await call("GET", "/api/v1/stats", 200, {
        bearer: viewer,
        query: "window=custom&from=0&to=1000&groupBy=label",
      });
      const stages = await call("GET", "/api/v1/stats/stages", 200, { bearer: viewer });
      assert.equal(stages.isSampled, false);
      await call("GET", "/api/v1/overview/daily", 200, { bearer: viewer });
      await call("GET", "/api/v1/overview/spend", 200, { bearer: viewer });
      const warm = await call("GET", "/api/v1/warm-pools", 200, { bearer: viewer });
      assert.equal((warm.pools as unknown[]).length, 2);
      await call("GET", "/api/v1/audit", 200, { bearer: viewer });
      const dead = await call("GET", "/api/v1/dead-letters", 200, { bearer: viewer });
      assert.equal((dead.deadLetters as unknown[]).length, 1);
      const projects = await call("GET", "/api/v1/projects", 200, { bearer: viewer });
      assert.deepEqual((projects.projects as { name: string }[]).map((p) => p.name), ["my-app"]);
      const repos = await call("GET", "/api/v1/repos", 200, { bearer: viewer });
      assert.equal((repos.repos as unknown[]).length, 2);
      const pools = await call("GET", "/api/v1/pools", 200, { bearer: viewer });
      assert.equal((pools.pools as unknown[]).length, 2);
      await call("GET", "/api/v1/users", 200, { bearer: admin });
      const backup = await call("GET", "/api/v1/backup", 200, { bearer: admin });
      assert.equal((backup.projects as unknown[]).length, 1);
    });

    await t.step("refused queries and bodies answer the documented error body", async () => {
      const invalid = await call("GET", "/api/v1/stats", 400, {
        bearer: viewer,
        query: "window=custom",
      });
      assert.deepEqual(
        (invalid.error as { issues: { path: string }[] }).issues.map((issue) => issue.path),
        ["from", "to"],
      );
      await call("POST", "/api/v1/projects", 400, { bearer: admin, body: { name: "" } });
      await call("POST", "/api/v1/projects", 415, {
        bearer: admin,
        headers: { "content-type": "text/plain" },
        body: { name: "plain" },
      });
      await call("POST", "/api/v1/auth/login", 415, {
        headers: { "content-type": "text/plain" },
        body: ADMIN,
      });
    });

    await t.step("every write route answers a valid body as documented", async () => {
      await call("POST", "/api/v1/auth/bootstrap", 401, { body: ADMIN });
      // The first admin needs an empty users table: the stack's helper steps its operators aside.
      const first = await bootstrap(stack.url, ADMIN);
      assert.equal(first.status, 201);
      checker.check("POST", "/api/v1/auth/bootstrap", 201, await first.json());
      const again = await bootstrap(stack.url, ADMIN);
      assert.equal(again.status, 409);
      checker.check("POST", "/api/v1/auth/bootstrap", 409, await again.json());

      const signedIn = await call("POST", "/api/v1/auth/login", 200, { body: ADMIN });
      assert.equal(signedIn.role, "admin");
      // Signing out revokes the token it is given: a token of its own, not the test's viewer.
      const leaving = await operatorToken(SESSION_SECRET, "viewer", { expiresIn: "5m" });
      await call("POST", "/api/v1/auth/logout", 204, { bearer: leaving, body: {} });
      await call("GET", "/api/v1/auth/me", 401, { bearer: leaving });

      const user = await call("POST", "/api/v1/users", 201, {
        bearer: admin,
        body: { email: "grace@example.com", password: "a long enough password", role: "viewer" },
      });
      assert.equal((user.user as { role: string }).role, "viewer");

      const project = await call("POST", "/api/v1/projects", 201, {
        bearer: admin,
        body: { name: "docs-app", tags: { team: "docs" } },
      });
      const projectId = (project.project as { id: string }).id;
      await call("PUT", "/api/v1/projects/{id}", 200, {
        bearer: admin,
        params: { id: projectId },
        body: { name: "docs-app", cap: 4 },
      });
      const repo = await call("POST", "/api/v1/repos", 201, {
        bearer: admin,
        body: { fullName: "octocat/docs", projectId },
      });
      const repoId = (repo.repo as { id: string }).id;
      await call("PUT", "/api/v1/repos/{id}", 200, {
        bearer: admin,
        params: { id: repoId },
        body: { fullName: "octocat/docs", projectId, cap: 2 },
      });
      const poolBody = {
        name: "docs",
        projectId,
        ami: "ami-0abcdef1234567890",
        instanceTypes: ["t3.small"],
        subnets: ["subnet-aaa111"],
      };
      const pool = await call("POST", "/api/v1/pools", 201, { bearer: admin, body: poolBody });
      const poolId = (pool.pool as { id: string }).id;
      await call("PUT", "/api/v1/pools/{id}", 200, {
        bearer: admin,
        params: { id: poolId },
        body: { ...poolBody, isSpot: true },
      });
      await call("POST", "/api/v1/projects", 409, { bearer: admin, body: { name: "docs-app" } });
      await call("DELETE", "/api/v1/projects/{id}", 409, {
        bearer: admin,
        params: { id: projectId },
      });
      await call("DELETE", "/api/v1/pools/{id}", 200, { bearer: admin, params: { id: poolId } });
      await call("DELETE", "/api/v1/repos/{id}", 200, { bearer: admin, params: { id: repoId } });
      await call("DELETE", "/api/v1/projects/{id}", 200, {
        bearer: admin,
        params: { id: projectId },
      });
      await call("DELETE", "/api/v1/pools/{id}", 404, { bearer: admin, params: { id: poolId } });

      const backup = await call("GET", "/api/v1/backup", 200, { bearer: admin });
      const dryRun = await call("POST", "/api/v1/backup/import", 200, {
        bearer: admin,
        query: "dryRun=true",
        body: backup,
      });
      assert.equal(dryRun.isApplied, false);
      const [deadLetter] = (await call("GET", "/api/v1/dead-letters", 200, { bearer: viewer }))
        .deadLetters as { eventId: number }[];
      await call("POST", "/api/v1/dead-letters/{eventId}/requeue", 200, {
        bearer: admin,
        params: { eventId: String(deadLetter.eventId) },
        body: {},
      });
      await call("POST", "/api/v1/dead-letters/{eventId}/requeue", 404, {
        bearer: admin,
        params: { eventId: String(deadLetter.eventId) },
        body: {},
      });
    });

    await t.step("the users and account routes answer as documented", async () => {
      const invited = await call("POST", "/api/v1/invitations", 201, {
        bearer: admin,
        body: { email: "ada@example.com", role: "viewer" },
      });
      const invitedId = (invited.user as { id: string }).id;
      const token = new URL((invited.invitation as { url: string }).url, stack.url).hash
        .replace("#token=", "");
      const accept = { token, password: "a long enough password" };
      const accepted = await call("POST", "/api/v1/auth/invitations/accept", 200, { body: accept });
      assert.equal(accepted.email, "ada@example.com");
      await call("POST", "/api/v1/auth/invitations/accept", 410, { body: accept });
      const promoted = await call("PATCH", "/api/v1/users/{id}", 200, {
        bearer: admin,
        params: { id: invitedId },
        body: { role: "admin" },
      });
      assert.equal((promoted.user as { role: string }).role, "admin");
      await call("PATCH", "/api/v1/users/{id}", 404, {
        bearer: admin,
        params: { id: "no-such-user" },
        body: { role: "viewer" },
      });
      const ended = await call("POST", "/api/v1/users/{id}/end-sessions", 200, {
        bearer: admin,
        params: { id: invitedId },
      });
      assert.equal(ended.id, invitedId);
      const deleted = await call("DELETE", "/api/v1/users/{id}", 200, {
        bearer: admin,
        params: { id: invitedId },
      });
      assert.equal((deleted.user as { email: string }).email, "ada@example.com");

      // A password change needs the caller's own session: the bootstrapped admin signs in.
      const login = await fetch(`${stack.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(ADMIN),
      });
      assert.equal(login.status, 200);
      await login.body?.cancel();
      const session = /__Host-gantry_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")
        ?.[1];
      assert.ok(session, "the sign-in set a session cookie");
      await call("POST", "/api/v1/auth/password", 200, {
        bearer: session,
        body: { currentPassword: ADMIN.password, newPassword: "another long enough password" },
      });
    });

    await t.step("the control routes answer as documented", async () => {
      const { jobs } = seed;
      const runners = await call("GET", "/api/v1/runners", 200, { bearer: viewer });
      assert.ok(
        (runners.machines as { id: string }[]).some((m) => m.id === jobs.running.instanceId),
      );
      const busy = await call("POST", "/api/v1/runners/{id}/terminate", 409, {
        bearer: admin,
        params: { id: jobs.running.instanceId! },
        body: {},
      });
      assert.match(String((busy.error as { message: string }).message), /force/);
      const terminate = await call("POST", "/api/v1/runners/{id}/terminate", 202, {
        bearer: admin,
        params: { id: jobs.running.instanceId! },
        body: { force: true },
      });
      assert.equal(terminate.did, "queued");
      await call("POST", "/api/v1/runners/{id}/terminate", 404, {
        bearer: admin,
        params: { id: "i-0000000000000404" },
        body: {},
      });
      const cancel = await call("POST", "/api/v1/jobs/{id}/cancel", 202, {
        bearer: admin,
        params: { id: jobs.queued.id },
        body: {},
      });
      const actionId = String((cancel.action as { id: number }).id);
      const action = await call("GET", "/api/v1/control/actions/{id}", 200, {
        bearer: viewer,
        params: { id: actionId },
      });
      assert.equal((action.action as { kind: string }).kind, "cancel");
      await call("GET", "/api/v1/control/actions/{id}", 404, {
        bearer: viewer,
        params: { id: "not-a-number" },
      });
      await call("POST", "/api/v1/jobs/{id}/cancel", 409, {
        bearer: admin,
        params: { id: jobs.reaped.id },
        body: {},
      });
      // The failed job had a machine: it is not a failed launch.
      await call("POST", "/api/v1/jobs/{id}/retry", 409, {
        bearer: admin,
        params: { id: jobs.failed.id },
        body: {},
      });
      await call("POST", "/api/v1/jobs/{id}/retry", 404, {
        bearer: admin,
        params: { id: "404404" },
        body: {},
      });
      const drained = await call("POST", "/api/v1/pools/{id}/drain", 200, {
        bearer: admin,
        params: { id: "pool-small" },
        body: {},
      });
      assert.equal(drained.did, "held");
      await call("POST", "/api/v1/pools/{id}/drain", 404, {
        bearer: admin,
        params: { id: "no-such-pool" },
        body: {},
      });
      const paused = await call("POST", "/api/v1/control/pause", 200, { bearer: admin, body: {} });
      assert.equal(paused.did, "held");
      const state = await call("GET", "/api/v1/control", 200, { bearer: viewer });
      assert.deepEqual(
        (state.drained as { poolId: string }[]).map((hold) => hold.poolId),
        ["pool-small"],
      );
      assert.notEqual(state.paused, null);
      const resumed = await call("POST", "/api/v1/pools/{id}/resume", 200, {
        bearer: admin,
        params: { id: "pool-small" },
        body: {},
      });
      assert.equal(resumed.did, "released");
      const running = await call("POST", "/api/v1/control/resume", 200, {
        bearer: admin,
        body: {},
      });
      assert.equal(running.did, "released");
    });

    await t.step("the documented access is the enforced one", async () => {
      for (const [method, template, operation] of checker.operations()) {
        const access = operation["x-gantry-access"];
        if (access === "public" || access === "bootstrap") continue;
        const init = {
          params: { id: "missing", eventId: "1" },
          body: method === "GET" ? undefined : {},
        };
        await call(method, template, 401, init);
        if (access === "admin") await call(method, template, 403, { ...init, bearer: viewer });
      }
    });

    await t.step("every documented operation was called", () => {
      const uncalled = checker.operations()
        .map(([method, path]) => `${method} ${path}`)
        .filter((operation) => !checker.called.has(operation));
      assert.deepEqual(uncalled, []);
    });
  } finally {
    await stack.close();
  }
});
