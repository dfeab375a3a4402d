import assert from "node:assert/strict";
import { type RootVolume, rootVolumeProblems } from "./root_volume.ts";

interface Case {
  name: string;
  volume: Partial<RootVolume>;
  /** `field: message` of every problem, in order; empty = EC2 takes it. */
  problems: string[];
}

const base: RootVolume = { sizeGb: 30, type: "gp3", iops: null, throughput: null };

// Limits from the EC2 API reference (LaunchTemplateEbsBlockDeviceRequest: VolumeSize, Iops,
// Throughput) and the EBS user guide (ratios; st1/sc1 are not bootable).
const CASES: Case[] = [
  { name: "the default: 30 GiB gp3", volume: {}, problems: [] },
  {
    name: "gp3 at its largest: 65,536 GiB, 80,000 IOPS, 2,000 MiB/s",
    volume: { sizeGb: 65_536, iops: 80_000, throughput: 2000 },
    problems: [],
  },
  {
    name: "gp3 over its size",
    volume: { sizeGb: 65_537 },
    problems: ["sizeGb: gp3 volumes are 1–65536 GiB"],
  },
  {
    name: "gp3 below its IOPS floor",
    volume: { iops: 2999 },
    problems: ["iops: gp3 IOPS are 3000–80000"],
  },
  {
    name: "gp3 keeps its 3,000 IOPS baseline on 1 GiB",
    volume: { sizeGb: 1, iops: 3000 },
    problems: [],
  },
  {
    name: "gp3 over 500 IOPS per GiB",
    volume: { sizeGb: 10, iops: 5001 },
    problems: ["iops: gp3 allows at most 500 IOPS per GiB (5000 for 10 GiB)"],
  },
  {
    name: "gp3 at exactly 500 IOPS per GiB",
    volume: { sizeGb: 10, iops: 5000 },
    problems: [],
  },
  {
    name: "gp3 throughput over 0.25 MiB/s per baseline IOPS",
    volume: { throughput: 751 },
    problems: ["throughput: gp3 allows at most 0.25 MiB/s per IOPS (750 MiB/s at 3000 IOPS)"],
  },
  {
    name: "gp3 throughput at 0.25 MiB/s per provisioned IOPS",
    volume: { sizeGb: 100, iops: 4000, throughput: 1000 },
    problems: [],
  },
  { name: "gp3 throughput at its minimum", volume: { throughput: 125 }, problems: [] },
  {
    name: "gp3 baseline throughput is never held against too few IOPS",
    volume: { iops: 100, throughput: 125 },
    problems: ["iops: gp3 IOPS are 3000–80000"],
  },
  {
    name: "gp3 throughput out of range",
    volume: { throughput: 124 },
    problems: ["throughput: gp3 throughput is 125–2000 MiB/s"],
  },
  {
    name: "gp3 throughput at its 2,000 MiB/s maximum",
    volume: { sizeGb: 200, iops: 16_000, throughput: 2000 },
    problems: [],
  },
  {
    name: "gp3 throughput over its maximum, with IOPS enough for the ratio",
    volume: { sizeGb: 200, iops: 16_000, throughput: 2001 },
    problems: ["throughput: gp3 throughput is 125–2000 MiB/s"],
  },
  {
    name: "gp2 takes neither IOPS nor throughput",
    volume: { type: "gp2", iops: 3000, throughput: 250 },
    problems: [
      "iops: gp2 volumes take no IOPS setting",
      "throughput: gp2 volumes take no throughput setting",
    ],
  },
  { name: "gp2 at 16,384 GiB", volume: { type: "gp2", sizeGb: 16_384 }, problems: [] },
  {
    name: "gp2 over 16,384 GiB",
    volume: { type: "gp2", sizeGb: 16_385 },
    problems: ["sizeGb: gp2 volumes are 1–16384 GiB"],
  },
  {
    name: "io1 needs IOPS",
    volume: { type: "io1" },
    problems: ["iops: io1 volumes need provisioned IOPS"],
  },
  {
    name: "io1 at 50 IOPS per GiB",
    volume: { type: "io1", sizeGb: 100, iops: 5000 },
    problems: [],
  },
  {
    name: "io1 over 50 IOPS per GiB, under 4 GiB",
    volume: { type: "io1", sizeGb: 3, iops: 200 },
    problems: [
      "sizeGb: io1 volumes are 4–16384 GiB",
      "iops: io1 allows at most 50 IOPS per GiB (150 for 3 GiB)",
    ],
  },
  {
    name: "io1 over 64,000 IOPS",
    volume: { type: "io1", sizeGb: 16_384, iops: 64_001 },
    problems: ["iops: io1 IOPS are 100–64000"],
  },
  {
    name: "io1 takes no throughput",
    volume: { type: "io1", sizeGb: 100, iops: 1000, throughput: 500 },
    problems: ["throughput: io1 volumes take no throughput setting"],
  },
  {
    name: "io2 at 256,000 IOPS on 256 GiB (1,000 per GiB)",
    volume: { type: "io2", sizeGb: 256, iops: 256_000 },
    problems: [],
  },
  {
    name: "io2 over 1,000 IOPS per GiB",
    volume: { type: "io2", sizeGb: 100, iops: 100_001 },
    problems: ["iops: io2 allows at most 1000 IOPS per GiB (100000 for 100 GiB)"],
  },
  {
    name: "io2 below 100 IOPS",
    volume: { type: "io2", iops: 99 },
    problems: ["iops: io2 IOPS are 100–256000"],
  },
  {
    name: "io2 needs provisioned IOPS",
    volume: { type: "io2", sizeGb: 100 },
    problems: ["iops: io2 volumes need provisioned IOPS"],
  },
  {
    name: "io2 at its 4 GiB floor",
    volume: { type: "io2", sizeGb: 4, iops: 100 },
    problems: [],
  },
  {
    name: "io2 under 4 GiB",
    volume: { type: "io2", sizeGb: 3, iops: 100 },
    problems: ["sizeGb: io2 volumes are 4–65536 GiB"],
  },
  {
    name: "io2 over 65,536 GiB",
    volume: { type: "io2", sizeGb: 65_537, iops: 100 },
    problems: ["sizeGb: io2 volumes are 4–65536 GiB"],
  },
  {
    name: "st1 cannot boot, and 124 GiB is under its 125 GiB floor",
    volume: { type: "st1", sizeGb: 124 },
    problems: [
      "type: st1 cannot be a root volume (EBS does not boot from HDD volumes)",
      "sizeGb: st1 volumes are 125–16384 GiB",
    ],
  },
  {
    name: "st1 cannot boot",
    volume: { type: "st1", sizeGb: 500 },
    problems: ["type: st1 cannot be a root volume (EBS does not boot from HDD volumes)"],
  },
  {
    name: "sc1 cannot boot, and 30 GiB is under its 125 GiB floor",
    volume: { type: "sc1" },
    problems: [
      "type: sc1 cannot be a root volume (EBS does not boot from HDD volumes)",
      "sizeGb: sc1 volumes are 125–16384 GiB",
    ],
  },
  { name: "standard at 1,024 GiB", volume: { type: "standard", sizeGb: 1024 }, problems: [] },
  {
    name: "standard over 1,024 GiB, with IOPS",
    volume: { type: "standard", sizeGb: 1025, iops: 100 },
    problems: [
      "sizeGb: standard volumes are 1–1024 GiB",
      "iops: standard volumes take no IOPS setting",
    ],
  },
];

for (const { name, volume, problems } of CASES) {
  Deno.test(`root volume: ${name}`, () => {
    const found = rootVolumeProblems({ ...base, ...volume });
    assert.deepEqual(found.map((p) => `${p.field}: ${p.message}`), problems);
  });
}
