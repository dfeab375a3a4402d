import assert from "node:assert/strict";
import { type ClassifiedFailure, planShortfall, type ShortfallPlan } from "./shortfall.ts";

const failure = (kind: ClassifiedFailure["kind"], code: string): ClassifiedFailure => ({
  kind,
  code,
  message: `${code}: text of ${code}`,
});

interface ShortfallCase {
  name: string;
  failures: ClassifiedFailure[];
  unknownRetries: number;
  want: ShortfallPlan;
}

const CASES: ShortfallCase[] = [
  {
    name: "fewer machines than asked, nothing reported: retry elsewhere",
    failures: [],
    unknownRetries: 0,
    want: {
      action: "retry",
      reason: "no capacity (fewer machines than asked); retrying elsewhere",
      isUnknown: false,
    },
  },
  {
    name: "capacity wins over a permanent error on another placement",
    failures: [
      failure("permanent", "InvalidParameterValue"),
      failure("capacity", "InsufficientInstanceCapacity"),
    ],
    unknownRetries: 9,
    want: {
      action: "retry",
      reason: "no capacity (InsufficientInstanceCapacity); retrying elsewhere",
      isUnknown: false,
    },
  },
  {
    name: "only permanent errors: fail at once with EC2's text",
    failures: [failure("permanent", "InvalidGroup.NotFound")],
    unknownRetries: 0,
    want: {
      action: "fail",
      reason: "launch failed: InvalidGroup.NotFound: text of InvalidGroup.NotFound",
    },
  },
  {
    name: "an unknown code is retried while under the bound",
    failures: [failure("unknown", "Server.NewThing")],
    unknownRetries: 2,
    want: {
      action: "retry",
      reason: "unclassified launch error (Server.NewThing); retry 3 of 3",
      isUnknown: true,
    },
  },
  {
    name: "an unknown code past the bound fails with its code and message",
    failures: [failure("unknown", "Server.NewThing"), failure("permanent", "InvalidParameter")],
    unknownRetries: 3,
    want: {
      action: "fail",
      reason:
        "launch failed after 3 retries of an unclassified error: Server.NewThing: text of Server.NewThing",
    },
  },
  {
    name: "throttled placements retry later without a bound",
    failures: [failure("throttled", "RequestLimitExceeded")],
    unknownRetries: 50,
    want: {
      action: "retry",
      reason: "throttled (RequestLimitExceeded); retrying later",
      isUnknown: false,
    },
  },
  {
    name: "several capacity codes are named once each, in order",
    failures: [
      failure("capacity", "InsufficientInstanceCapacity"),
      failure("capacity", "InsufficientInstanceCapacity"),
      failure("capacity", "MaxSpotInstanceCountExceeded"),
    ],
    unknownRetries: 0,
    want: {
      action: "retry",
      reason:
        "no capacity (InsufficientInstanceCapacity, MaxSpotInstanceCountExceeded); retrying elsewhere",
      isUnknown: false,
    },
  },
  {
    name: "several permanent errors: each message once",
    failures: [
      failure("permanent", "InvalidGroup.NotFound"),
      failure("permanent", "InvalidSubnetID.NotFound"),
      failure("permanent", "InvalidGroup.NotFound"),
    ],
    unknownRetries: 0,
    want: {
      action: "fail",
      reason: "launch failed: InvalidGroup.NotFound: text of InvalidGroup.NotFound; " +
        "InvalidSubnetID.NotFound: text of InvalidSubnetID.NotFound",
    },
  },
];

for (const c of CASES) {
  Deno.test(`shortfall: ${c.name}`, () => {
    assert.deepEqual(planShortfall(c.failures, { unknownRetries: c.unknownRetries }), c.want);
  });
}
