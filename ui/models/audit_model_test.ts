import assert from "node:assert/strict";
import type { AuditResponse } from "../../shared/schema/audit.ts";
import type { AuditRequest, OpsApi } from "../api/ops_client.ts";
import { auditFilterOf, auditRequestOf, auditSearchOf, createAuditModel } from "./audit_model.ts";

Deno.test("audit filters come from the URL and go back to it; dates are whole UTC days", () => {
  const filter = auditFilterOf(
    new URLSearchParams(
      "family=user&action=auth.login&outcome=failed&from=2026-11-01&to=2026-11-02&limit=25",
    ),
  );
  assert.deepEqual(filter, {
    family: "user",
    action: "auth.login",
    outcome: "failed",
    fromDate: "2026-11-01",
    toDate: "2026-11-02",
    limit: 25,
  });
  assert.equal(
    auditSearchOf(filter),
    "?family=user&action=auth.login&outcome=failed&from=2026-11-01&to=2026-11-02&limit=25",
  );
  assert.deepEqual(auditRequestOf(filter, "5.1"), {
    family: "user",
    action: "auth.login",
    outcome: "failed",
    from: Date.UTC(2026, 10, 1),
    to: Date.UTC(2026, 10, 3),
    limit: 25,
    cursor: "5.1",
  });
  assert.deepEqual(auditFilterOf(new URLSearchParams("family=users&outcome=maybe&limit=7")), {
    family: undefined,
    action: undefined,
    outcome: undefined,
    fromDate: undefined,
    toDate: undefined,
    limit: 50,
  });
});

Deno.test("audit pages forward by cursor and back by the cursors seen", async () => {
  const requests: AuditRequest[] = [];
  const page = (nextCursor: string | null): AuditResponse => ({
    events: [],
    nextCursor,
    actions: [],
    total: 3,
    failures: 1,
  });
  const ops = {
    audit: (request: AuditRequest) => {
      requests.push(request);
      return Promise.resolve(page(request.cursor ? null : "9.3"));
    },
  } as unknown as OpsApi;
  const model = createAuditModel(ops);
  await model.load({ limit: 2 });
  assert.equal(model.pageNumber.value, 1);
  await model.next();
  assert.equal(model.pageNumber.value, 2);
  await model.next();
  assert.equal(model.pageNumber.value, 2, "no page after the last");
  await model.previous();
  assert.equal(model.pageNumber.value, 1);
  assert.deepEqual(requests.map((r) => r.cursor), [undefined, "9.3", undefined]);
});
