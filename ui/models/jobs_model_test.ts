import assert from "node:assert/strict";
import type { JobsRequest } from "../api/client.ts";
import { fakeApi, jobView } from "../api/fake_client.ts";
import { createJobsModel, filterOf, searchOf } from "./jobs_model.ts";

Deno.test("the jobs model pages forward by cursor and back by the cursors it saw", async () => {
  const pages: Record<string, { ids: string[]; next: string | null }> = {
    first: { ids: ["5", "4"], next: "c1" },
    c1: { ids: ["3", "2"], next: "c2" },
    c2: { ids: ["1"], next: null },
  };
  const api = fakeApi({
    jobs: (request: JobsRequest) => {
      const page = pages[request.cursor ?? "first"];
      return Promise.resolve({
        jobs: page.ids.map((id) => jobView({ id })),
        nextCursor: page.next,
      });
    },
  });
  const model = createJobsModel(api, { pageSize: 2 });
  const ids = () => model.jobs.value.map((job) => job.id);

  await model.load({ status: "completed" });
  assert.deepEqual(ids(), ["5", "4"]);
  assert.equal(model.page.value, 1);
  assert.equal(model.hasPrevious.value, false);
  await model.next();
  await model.next();
  assert.deepEqual(ids(), ["1"]);
  assert.equal(model.page.value, 3);
  assert.equal(model.hasNext.value, false);
  await model.next();
  assert.equal(model.page.value, 3, "no page past the last");
  await model.previous();
  assert.deepEqual(ids(), ["3", "2"]);
  await model.previous();
  assert.deepEqual(ids(), ["5", "4"]);
  assert.equal(model.hasPrevious.value, false);
  for (const [, [request]] of api.calls) {
    assert.equal((request as JobsRequest).status, "completed", "the filter rides on every page");
    assert.equal((request as JobsRequest).limit, 2);
  }
});

Deno.test("a new filter starts again from the newest page", async () => {
  const api = fakeApi({
    jobs: (request: JobsRequest) =>
      Promise.resolve({ jobs: [jobView({ id: request.repo ?? "all" })], nextCursor: "more" }),
  });
  const model = createJobsModel(api);
  await model.load({});
  await model.next();
  assert.equal(model.page.value, 2);
  await model.load({ repo: "octocat/spoon-knife" });
  assert.equal(model.page.value, 1);
  assert.deepEqual(api.calls.at(-1)?.[1], [{
    repo: "octocat/spoon-knife",
    cursor: undefined,
    limit: 50,
  }]);
});

Deno.test("a slow answer to an old filter does not overwrite a newer one", async () => {
  const resolvers: ((ids: string) => void)[] = [];
  const api = fakeApi({
    jobs: () =>
      new Promise((resolve) =>
        resolvers.push((id) => resolve({ jobs: [jobView({ id })], nextCursor: null }))
      ),
  });
  const model = createJobsModel(api);
  const old = model.load({ status: "queued" });
  const fresh = model.load({ status: "failed" });
  resolvers[1]("fresh");
  await fresh;
  resolvers[0]("stale");
  await old;
  assert.deepEqual(model.jobs.value.map((job) => job.id), ["fresh"]);
  assert.equal(model.isLoading.value, false);
});

Deno.test("an API failure is shown and the last good page kept", async () => {
  let fail = false;
  const api = fakeApi({
    jobs: () =>
      fail
        ? Promise.reject(new Error("cannot reach the Gantry edge"))
        : Promise.resolve({ jobs: [jobView({ id: "1" })], nextCursor: null }),
  });
  const model = createJobsModel(api);
  await model.load({});
  fail = true;
  await model.refresh();
  assert.equal(model.error.value, "cannot reach the Gantry edge");
  assert.deepEqual(model.jobs.value.map((job) => job.id), ["1"]);
});

Deno.test("filters round-trip through the URL; unknown statuses and blanks are dropped", () => {
  const filter = filterOf(
    new URLSearchParams("status=failed&repo=o%2Fr&pool=%20&project=x&junk=1"),
  );
  assert.deepEqual(filter, { status: "failed", repo: "o/r", project: "x" });
  assert.equal(searchOf(filter), "?status=failed&project=x&repo=o%2Fr");
  assert.deepEqual(filterOf(new URLSearchParams("status=exploded")), {});
  assert.equal(searchOf({}), "");
});
