/**
 * The Pricing API filters by location name ("EU (Ireland)", "Europe
 * (Spain)"), not region code, and the names follow no rule a list could keep
 * up with. So they come from the Pricing API itself, once per process:
 *
 * - GetAttributeValues(AmazonEC2, `location`) lists every location name;
 * - GetProducts filtered by `regionCode` (and `locationType` "AWS Region", so
 *   a Local Zone never answers for its parent) gives a product of the region,
 *   whose `location` attribute is the region's name.
 *
 * A name the listing does not hold is not trusted. A failed lookup is
 * retried after a minute, never cached.
 */
import {
  GetAttributeValuesCommand,
  GetProductsCommand,
  type PricingClient,
} from "@aws-sdk/client-pricing";
import { z } from "zod";

const RETRY_AFTER_MS = 60_000;

const ProductLocation = z.object({
  product: z.object({
    attributes: z.object({ regionCode: z.string(), location: z.string() }),
  }),
});

/** Region code → Pricing location name, learnt from the Pricing API and cached. */
export class PricingLocations {
  #names: Promise<Set<string>> | null = null;
  #known = new Map<string, string>();
  #missedAt = new Map<string, number>();
  #inFlight = new Map<string, Promise<string | null>>();

  constructor(
    readonly pricing: PricingClient,
    readonly clock: () => number = Date.now,
  ) {}

  /**
   * The region's location name, or null when the Pricing API has none for it
   * (asked again a minute later). Throws what the Pricing API threw.
   */
  async locationOf(region: string): Promise<string | null> {
    const known = this.#known.get(region);
    if (known) return known;
    const missedAt = this.#missedAt.get(region);
    if (missedAt !== undefined && this.clock() - missedAt < RETRY_AFTER_MS) return null;
    let lookup = this.#inFlight.get(region);
    if (!lookup) {
      // Quotes for a burst of jobs share one lookup.
      lookup = this.#lookUp(region).finally(() => this.#inFlight.delete(region));
      this.#inFlight.set(region, lookup);
    }
    try {
      const location = await lookup;
      if (location) this.#known.set(region, location);
      else this.#missedAt.set(region, this.clock());
      return location;
    } catch (error) {
      this.#missedAt.set(region, this.clock());
      this.#names = null;
      throw error;
    }
  }

  async #lookUp(region: string): Promise<string | null> {
    const [names, location] = await Promise.all([this.#allNames(), this.#nameOfProducts(region)]);
    return location !== null && names.has(location) ? location : null;
  }

  #allNames(): Promise<Set<string>> {
    this.#names ??= (async () => {
      const names = new Set<string>();
      let NextToken: string | undefined;
      do {
        const page = await this.pricing.send(
          new GetAttributeValuesCommand({
            ServiceCode: "AmazonEC2",
            AttributeName: "location",
            MaxResults: 100,
            NextToken,
          }),
        );
        for (const { Value } of page.AttributeValues ?? []) if (Value) names.add(Value);
        NextToken = page.NextToken;
      } while (NextToken);
      return names;
    })();
    return this.#names;
  }

  async #nameOfProducts(region: string): Promise<string | null> {
    const match = (Field: string, Value: string) => ({
      Type: "TERM_MATCH" as const,
      Field,
      Value,
    });
    const { PriceList = [] } = await this.pricing.send(
      new GetProductsCommand({
        ServiceCode: "AmazonEC2",
        Filters: [match("regionCode", region), match("locationType", "AWS Region")],
        MaxResults: 1,
      }),
    );
    for (const entry of PriceList) {
      // The SDK hands entries back as string-like objects of JSON text.
      const product = ProductLocation.safeParse(JSON.parse(String(entry)));
      if (product.success && product.data.product.attributes.regionCode === region) {
        return product.data.product.attributes.location;
      }
    }
    return null;
  }
}
