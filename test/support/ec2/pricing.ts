/**
 * A minimal AWS Price List Query API (`AWSPriceListService.GetProducts` and
 * `.GetAttributeValues`, JSON 1.1 protocol) over the built-in price table.
 * Each PriceList entry is a JSON string shaped like the real price list,
 * including the decoy products (Windows, capacity-reservation rows, a Local
 * Zone) a client must filter out. GetAttributeValues lists the values one
 * attribute takes over the service's products, paged, as the API reference
 * (Price List Query API, GetAttributeValues) describes.
 *
 * @module
 */

import { z } from "zod";
import {
  INSTANCE_PRICES,
  type InstancePrice,
  PRICE_LOCATIONS,
  type PriceLocation,
} from "./price_table.ts";
import { hashOf, type Params } from "./protocol.ts";

/** The `X-Amz-Target` of GetProducts. */
export const GET_PRODUCTS_TARGET = "AWSPriceListService.GetProducts";
/** The `X-Amz-Target` of GetAttributeValues. */
export const GET_ATTRIBUTE_VALUES_TARGET = "AWSPriceListService.GetAttributeValues";

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

const GetAttributeValuesRequest = z.object({
  ServiceCode: z.string().min(1),
  AttributeName: z.string().min(1),
  NextToken: z.string().regex(/^\d+$/).optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
});

/** The operations served, by `X-Amz-Target`. */
export const PRICING_OPERATIONS: Readonly<
  Record<string, (body: unknown) => Record<string, unknown>>
> = {
  [GET_PRODUCTS_TARGET]: (body) => getProducts(body),
  [GET_ATTRIBUTE_VALUES_TARGET]: (body) => getAttributeValues(body),
};

/**
 * Answers a GetAttributeValues request body: the distinct values of one
 * attribute over the service's products, sorted, paged by NextToken. An
 * attribute no product carries is an empty list, as for an unknown service.
 */
export function getAttributeValues(body: unknown): Record<string, unknown> {
  const parsed = GetAttributeValuesRequest.safeParse(body);
  if (!parsed.success) {
    throw new PricingApiError(
      "InvalidParameterException",
      "The GetAttributeValues request is malformed.",
    );
  }
  const { ServiceCode, AttributeName, NextToken, MaxResults = 100 } = parsed.data;
  const products = ServiceCode === "AmazonEC2" ? catalogue() : [];
  const values = [
    ...new Set(
      products.map((product) => product.product.attributes[AttributeName]).filter((value) =>
        value !== undefined
      ),
    ),
  ].sort();
  const start = Number(NextToken ?? 0);
  const next = start + MaxResults < values.length ? String(start + MaxResults) : undefined;
  return {
    AttributeValues: values.slice(start, start + MaxResults).map((Value) => ({ Value })),
    ...(next ? { NextToken: next } : {}),
  };
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

/** Every product: per place and instance type, Linux in all three capacity states plus Windows. */
function catalogue(): PriceProduct[] {
  return PRICE_LOCATIONS.flatMap((place) =>
    Object.entries(INSTANCE_PRICES).flatMap(([instanceType, price]) => [
      product(instanceType, price, place, { os: "Linux", capacitystatus: "Used" }),
      product(instanceType, price, place, {
        os: "Linux",
        capacitystatus: "UnusedCapacityReservation",
      }),
      product(instanceType, price, place, {
        os: "Linux",
        capacitystatus: "AllocatedCapacityReservation",
      }),
      product(instanceType, price, place, { os: "Windows", capacitystatus: "Used" }),
    ])
  );
}

const USAGE_PREFIX: Record<string, string> = {
  Used: "BoxUsage",
  UnusedCapacityReservation: "UnusedBox",
  AllocatedCapacityReservation: "Reservation",
};

function product(
  instanceType: string,
  price: InstancePrice,
  place: PriceLocation,
  variant: { os: "Linux" | "Windows"; capacitystatus: string },
): PriceProduct {
  const isWindows = variant.os === "Windows";
  const family = instanceType.split(".")[0];
  // Windows adds a per-vCPU licence fee; burstable (t*) types pay a lower one.
  const linux = Math.round(price.onDemand * place.factor * 1e6) / 1e6;
  const hourly = isWindows ? linux + price.vcpu * (family.startsWith("t") ? 0.0092 : 0.046) : linux;
  const attributes: Record<string, string> = {
    servicecode: "AmazonEC2",
    location: place.location,
    locationType: place.locationType,
    regionCode: place.regionCode,
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
  const sku = skuOf(
    `${place.regionCode}/${instanceType}/${variant.os}/${variant.capacitystatus}`,
  );
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
