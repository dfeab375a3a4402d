import { DescribeSpotPriceHistoryCommand } from "@aws-sdk/client-ec2";
import { GetAttributeValuesCommand, GetProductsCommand } from "@aws-sdk/client-pricing";
import assert from "node:assert/strict";
import { startEc2Emulator } from "./emulator.ts";
import { pricingClientFor, withEmulator } from "./sdk_clients.ts";

/** Reads the one on-demand USD hourly price out of a price list entry, the way a client must. */
function hourlyUsd(entry: unknown): number {
  const product = JSON.parse(String(entry));
  const [term] = Object.values(product.terms.OnDemand) as Array<{ priceDimensions: object }>;
  const [dimension] = Object.values(term.priceDimensions) as Array<
    { pricePerUnit: { USD: string } }
  >;
  return Number(dimension.pricePerUnit.USD);
}

Deno.test("GetProducts returns a parsable on-demand price for t3.medium", async () => {
  const emulator = await startEc2Emulator();
  const pricing = pricingClientFor(emulator);
  try {
    const filters = [
      ["instanceType", "t3.medium"],
      ["location", "US East (N. Virginia)"],
      ["operatingSystem", "Linux"],
      ["tenancy", "Shared"],
      ["preInstalledSw", "NA"],
      ["capacitystatus", "Used"],
    ].map(([Field, Value]) => ({ Type: "TERM_MATCH" as const, Field, Value }));
    const answer = await pricing.send(
      new GetProductsCommand({ ServiceCode: "AmazonEC2", Filters: filters }),
    );
    assert.equal(answer.FormatVersion, "aws_v1");
    assert.equal(answer.PriceList?.length, 1);
    assert.equal(hourlyUsd(answer.PriceList?.[0]), 0.0416);
    const product = JSON.parse(String(answer.PriceList?.[0])).product;
    assert.equal(product.attributes.instanceType, "t3.medium");

    const unfiltered = await pricing.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        Filters: [{ Type: "TERM_MATCH", Field: "instanceType", Value: "t3.medium" }],
      }),
    );
    assert.ok((unfiltered.PriceList?.length ?? 0) > 1, "decoy products need filtering out");
    assert.equal(emulator.calls[0].action, "GetProducts");
    assert.equal(emulator.calls[0].params["Filters.1.Value"], "t3.medium");
  } finally {
    pricing.destroy();
    await emulator.close();
  }
});

Deno.test("DescribeSpotPriceHistory prices spot at about 30% of on-demand", async () => {
  await withEmulator(async (_emulator, ec2) => {
    const history = await ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["t3.medium"],
        ProductDescriptions: ["Linux/UNIX"],
        AvailabilityZone: "us-east-1b",
      }),
    );
    assert.equal(history.SpotPriceHistory?.length, 1);
    const [price] = history.SpotPriceHistory ?? [];
    assert.equal(price.AvailabilityZone, "us-east-1b");
    assert.equal(typeof price.SpotPrice, "string");
    const ratio = Number(price.SpotPrice) / 0.0416;
    assert.ok(ratio > 0.27 && ratio < 0.33, `spot/on-demand ratio ${ratio}`);

    const everyZone = await ec2.send(
      new DescribeSpotPriceHistoryCommand({
        Filters: [{ Name: "instance-type", Values: ["c5.*"] }],
      }),
    );
    assert.equal(everyZone.SpotPriceHistory?.length, 2 * 6);
  });
});

Deno.test("GetAttributeValues (Price List Query API reference) lists each location once, sorted and paged", async () => {
  const emulator = await startEc2Emulator();
  const pricing = pricingClientFor(emulator);
  try {
    const values: string[] = [];
    const pages: number[] = [];
    let NextToken: string | undefined;
    do {
      const page = await pricing.send(
        new GetAttributeValuesCommand({
          ServiceCode: "AmazonEC2",
          AttributeName: "location",
          MaxResults: 3,
          NextToken,
        }),
      );
      pages.push(page.AttributeValues?.length ?? 0);
      values.push(...(page.AttributeValues ?? []).map((value) => value.Value!));
      NextToken = page.NextToken;
    } while (NextToken);
    assert.deepEqual(pages, [3, 3, 1]);
    assert.deepEqual(values, [
      "Asia Pacific (Jakarta)",
      "EU (Ireland)",
      "Europe (Spain)",
      "Middle East (UAE)",
      "US East (Boston)",
      "US East (N. Virginia)",
      "US West (Oregon)",
    ]);
    const none = await pricing.send(
      new GetAttributeValuesCommand({ ServiceCode: "AmazonS3", AttributeName: "location" }),
    );
    assert.deepEqual(none.AttributeValues, []);
    assert.equal(emulator.calls[0].action, "GetAttributeValues");
  } finally {
    pricing.destroy();
    await emulator.close();
  }
});

Deno.test("GetProducts filtered by regionCode answers with that region's location and prices", async () => {
  await withEmulator(async (emulator) => {
    const pricing = pricingClientFor(emulator);
    try {
      const answer = await pricing.send(
        new GetProductsCommand({
          ServiceCode: "AmazonEC2",
          Filters: [
            { Type: "TERM_MATCH", Field: "regionCode", Value: "ap-southeast-3" },
            { Type: "TERM_MATCH", Field: "instanceType", Value: "t3.medium" },
            { Type: "TERM_MATCH", Field: "operatingSystem", Value: "Linux" },
            { Type: "TERM_MATCH", Field: "capacitystatus", Value: "Used" },
          ],
        }),
      );
      assert.equal(answer.PriceList?.length, 1);
      const product = JSON.parse(String(answer.PriceList?.[0]));
      assert.equal(product.product.attributes.location, "Asia Pacific (Jakarta)");
      assert.equal(hourlyUsd(answer.PriceList?.[0]), 0.04992);
    } finally {
      pricing.destroy();
    }
  });
});
