/**
 * A minimal AWS Price List Query API (`AWSPriceListService.GetProducts`,
 * JSON 1.1 protocol) over the built-in price table. Each PriceList entry is a
 * JSON string shaped like the real price list, including the decoy products
 * (Windows, capacity-reservation rows) a client must filter out.
 *
 * @module
 */

import { z } from "zod";
import { INSTANCE_PRICES, type InstancePrice, LOCATION } from "./price_table.ts";
import { hashOf, type Params } from "./protocol.ts";

/** The `X-Amz-Target` of the one supported operation. */
export const GET_PRODUCTS_TARGET = "AWSPriceListService.GetProducts";

const ON_DEMAND_TERM = "JRTCKXETXF";
const HOURLY_RATE = "6YS6EN2CT7";
const PUBLICATION_DATE = "2025-01-01T00:00:00Z";

const GetProductsRequest = z.object({
  ServiceCode: z.string().min(1),
  Filters: z.array(z.object({ Type: z.string(), Field: z.string(), Value: z.string() })).optional(),
  FormatVersion: z.string().optional(),
  NextToken: z.string().regex(/^\d+$/).optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
});

/** A Pricing API error: the `__type` a client sees as the error name. */
export class PricingApiError extends Error {
  /** The error shape name, e.g. `InvalidParameterException`. */
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.name = "PricingApiError";
    this.type = type;
  }
}

/** One product of the catalogue, before it is serialized into a PriceList string. */
interface PriceProduct {
  product: { productFamily: string; attributes: Record<string, string>; sku: string };
  serviceCode: string;
  terms: { OnDemand: Record<string, unknown> };
  version: string;
  publicationDate: string;
}

/** Answers a GetProducts request body; throws PricingApiError on a malformed one. */
export function getProducts(body: unknown): Record<string, unknown> {
  const parsed = GetProductsRequest.safeParse(body);
  if (!parsed.success) {
    throw new PricingApiError("InvalidParameterException", "The GetProducts request is malformed.");
  }
  const { ServiceCode, Filters = [], NextToken, MaxResults = 100 } = parsed.data;
  const products = ServiceCode === "AmazonEC2" ? catalogue() : [];
  const matching = products.filter((product) =>
    Filters.every((filter) => matchesFilter(product, filter))
  );
  const start = Number(NextToken ?? 0);
  const page = matching.slice(start, start + MaxResults);
  const next = start + MaxResults < matching.length ? String(start + MaxResults) : undefined;
  return {
    FormatVersion: "aws_v1",
    PriceList: page.map((product) => JSON.stringify(product)),
    ...(next ? { NextToken: next } : {}),
  };
}

/** The request flattened to `Name=Value` params, for the recorded call log. */
export function pricingParams(body: unknown): Params {
  const params: Params = {};
  const flatten = (value: unknown, key: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => flatten(item, `${key}.${index + 1}`));
    else if (value !== null && typeof value === "object") {
      for (const [name, child] of Object.entries(value)) {
        flatten(child, key ? `${key}.${name}` : name);
      }
    } else if (value !== undefined) params[key] = String(value);
  };
  flatten(body, "");
  return params;
}

function matchesFilter(
  product: PriceProduct,
  filter: { Type: string; Field: string; Value: string },
) {
  const field = filter.Field.toLowerCase();
  const attributes: Record<string, string> = {
    ...product.product.attributes,
    sku: product.product.sku,
    productFamily: product.product.productFamily,
  };
  const name = Object.keys(attributes).find((key) => key.toLowerCase() === field);
  const actual = name === undefined ? undefined : attributes[name];
  const wanted = filter.Value;
  switch (filter.Type) {
    case "TERM_MATCH":
    case "EQUALS":
      return actual !== undefined && actual.toLowerCase() === wanted.toLowerCase();
    case "CONTAINS":
      return actual !== undefined && actual.toLowerCase().includes(wanted.toLowerCase());
    case "ANY_OF":
      return actual !== undefined && wanted.split(",").map((v) => v.trim()).includes(actual);
    case "NONE_OF":
      return actual === undefined || !wanted.split(",").map((v) => v.trim()).includes(actual);
    default:
      throw new PricingApiError("InvalidParameterException", `Unknown filter type ${filter.Type}.`);
  }
}

/** Every product: per instance type, Linux in all three capacity states plus Windows. */
function catalogue(): PriceProduct[] {
  return Object.entries(INSTANCE_PRICES).flatMap(([instanceType, price]) => [
    product(instanceType, price, { os: "Linux", capacitystatus: "Used" }),
    product(instanceType, price, { os: "Linux", capacitystatus: "UnusedCapacityReservation" }),
    product(instanceType, price, { os: "Linux", capacitystatus: "AllocatedCapacityReservation" }),
    product(instanceType, price, { os: "Windows", capacitystatus: "Used" }),
  ]);
}

const USAGE_PREFIX: Record<string, string> = {
  Used: "BoxUsage",
  UnusedCapacityReservation: "UnusedBox",
  AllocatedCapacityReservation: "Reservation",
};

function product(
  instanceType: string,
  price: InstancePrice,
  variant: { os: "Linux" | "Windows"; capacitystatus: string },
): PriceProduct {
  const isWindows = variant.os === "Windows";
  const family = instanceType.split(".")[0];
  // Windows adds a per-vCPU licence fee; burstable (t*) types pay a lower one.
  const hourly = isWindows
    ? price.onDemand + price.vcpu * (family.startsWith("t") ? 0.0092 : 0.046)
    : price.onDemand;
  const attributes: Record<string, string> = {
    servicecode: "AmazonEC2",
    location: LOCATION,
    locationType: "AWS Region",
    regionCode: "us-east-1",
    instanceType,
    instanceFamily: family.startsWith("c") ? "Compute optimized" : "General purpose",
    currentGeneration: "Yes",
    vcpu: String(price.vcpu),
    memory: `${price.memoryGib} GiB`,
    operatingSystem: variant.os,
    tenancy: "Shared",
    preInstalledSw: "NA",
    licenseModel: isWindows ? "License included" : "No License required",
    capacitystatus: variant.capacitystatus,
    usagetype: `${USAGE_PREFIX[variant.capacitystatus]}:${instanceType}`,
    operation: isWindows ? "RunInstances:0002" : "RunInstances",
    marketoption: "OnDemand",
  };
  const sku = skuOf(`${instanceType}/${variant.os}/${variant.capacitystatus}`);
  const termKey = `${sku}.${ON_DEMAND_TERM}`;
  const rateCode = `${termKey}.${HOURLY_RATE}`;
  return {
    product: { productFamily: "Compute Instance", attributes, sku },
    serviceCode: "AmazonEC2",
    terms: {
      OnDemand: {
        [termKey]: {
          priceDimensions: {
            [rateCode]: {
              unit: "Hrs",
              endRange: "Inf",
              description: `$${
                hourly.toFixed(4)
              } per On Demand ${variant.os} ${instanceType} Instance Hour`,
              appliesTo: [],
              rateCode,
              beginRange: "0",
              pricePerUnit: { USD: hourly.toFixed(10) },
            },
          },
          sku,
          effectiveDate: PUBLICATION_DATE,
          offerTermCode: ON_DEMAND_TERM,
          termAttributes: {},
        },
      },
    },
    version: "20250101000000",
    publicationDate: PUBLICATION_DATE,
  };
}

/** A stable 16-character SKU in the price list's alphabet. */
function skuOf(key: string): string {
  const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  let sku = "";
  for (let index = 0; sku.length < 16; index++) {
    sku += alphabet[hashOf(`${key}#${index}`) % alphabet.length];
  }
  return sku;
}
