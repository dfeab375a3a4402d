/**
 * Price quotes: on-demand from the Pricing API (Linux, shared tenancy, the
 * region's location), spot from the AZ's latest spot price. Cached with a TTL;
 * a failed quote is null (the job stays unquoted), never a guess. The
 * region's location name comes from the Pricing API itself (regions.ts).
 */
import { DescribeSpotPriceHistoryCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { GetProductsCommand, type PricingClient } from "@aws-sdk/client-pricing";
import { z } from "zod";
import type { Logger } from "../../log.ts";
import { PricingLocations } from "./regions.ts";

const CACHE_TTL_MS = 3600_000;

const PriceProduct = z.object({
  terms: z.object({
    OnDemand: z.record(
      z.string(),
      z.object({
        priceDimensions: z.record(
          z.string(),
          z.object({ pricePerUnit: z.object({ USD: z.string() }) }),
        ),
      }),
    ),
  }),
});

export class PriceQuoter {
  #cache = new Map<string, { price: number | null; at: number }>();
  #locations: PricingLocations;

  constructor(
    readonly options: { region: string; ec2: EC2Client; pricing: PricingClient; log: Logger },
  ) {
    this.#locations = new PricingLocations(options.pricing);
  }

  async quote(
    machine: { instanceType: string; availabilityZone: string | null; isSpot: boolean },
  ): Promise<number | null> {
    const key = `${machine.isSpot ? "spot" : "od"}:${machine.instanceType}:${
      machine.availabilityZone ?? ""
    }`;
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.price;
    let price: number | null = null;
    try {
      price = machine.isSpot && machine.availabilityZone
        ? await this.#spot(machine.instanceType, machine.availabilityZone)
        : await this.#onDemand(machine.instanceType);
    } catch (error) {
      this.options.log.warn("price quote failed; job stays unquoted", { ...machine, error });
    }
    // Failures are cached only briefly, so a Pricing API blip does not leave a day unquoted.
    this.#cache.set(key, {
      price,
      at: price === null ? Date.now() - CACHE_TTL_MS + 60_000 : Date.now(),
    });
    return price;
  }

  async #onDemand(instanceType: string): Promise<number | null> {
    const location = await this.#locations.locationOf(this.options.region);
    if (!location) {
      this.options.log.warn("the Pricing API knows no location for this region", {
        region: this.options.region,
      });
      return null;
    }
    const filter = (Field: string, Value: string) => ({
      Type: "TERM_MATCH" as const,
      Field,
      Value,
    });
    const { PriceList = [] } = await this.options.pricing.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        Filters: [
          filter("instanceType", instanceType),
          filter("location", location),
          filter("operatingSystem", "Linux"),
          filter("tenancy", "Shared"),
          filter("preInstalledSw", "NA"),
          filter("capacitystatus", "Used"),
        ],
        MaxResults: 10,
      }),
    );
    for (const entry of PriceList) {
      // The SDK hands entries back as string-like objects of JSON text.
      const product = PriceProduct.safeParse(JSON.parse(String(entry)));
      if (!product.success) continue;
      for (const term of Object.values(product.data.terms.OnDemand)) {
        for (const dimension of Object.values(term.priceDimensions)) {
          const usd = Number(dimension.pricePerUnit.USD);
          if (Number.isFinite(usd) && usd > 0) return usd;
        }
      }
    }
    return null;
  }

  async #spot(instanceType: string, availabilityZone: string): Promise<number | null> {
    const { SpotPriceHistory = [] } = await this.options.ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: [instanceType as never],
        AvailabilityZone: availabilityZone,
        ProductDescriptions: ["Linux/UNIX"],
        StartTime: new Date(),
        MaxResults: 1,
      }),
    );
    const usd = Number(SpotPriceHistory[0]?.SpotPrice);
    return Number.isFinite(usd) && usd > 0 ? usd : null;
  }
}
