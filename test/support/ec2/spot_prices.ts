/**
 * DescribeSpotPriceHistory over the built-in price table: the current Linux
 * spot price per instance type and zone.
 *
 * @module
 */

import type { ActionHandler } from "./context.ts";
import { AVAILABILITY_ZONES, zoneIdOf } from "./placement.ts";
import { INSTANCE_PRICES, spotPrice } from "./price_table.ts";
import { Ec2ApiError, listValues, matchesPattern, parseFilters } from "./protocol.ts";

/** The product descriptions the emulator prices (Linux only). */
const LINUX_PRODUCTS = ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"];

/** DescribeSpotPriceHistory: by InstanceType.N, ProductDescription.N, AvailabilityZone and Filter.N. */
export const describeSpotPriceHistory: ActionHandler = (params, context) => {
  const wanted = {
    "instance-type": listValues(params, "InstanceType"),
    "product-description": listValues(params, "ProductDescription"),
    "availability-zone": params.AvailabilityZone ? [params.AvailabilityZone] : [],
  };
  const filters = parseFilters(params);
  for (const filter of filters) {
    if (!(filter.name in wanted)) {
      throw new Ec2ApiError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
    }
  }
  const accepts = (field: keyof typeof wanted, value: string) =>
    (wanted[field].length === 0 || wanted[field].includes(value)) &&
    filters.filter((filter) => filter.name === field)
      .every((filter) => filter.values.some((pattern) => matchesPattern(value, pattern)));

  const products = wanted["product-description"].length > 0
    ? wanted["product-description"]
    : ["Linux/UNIX"];
  const history = Object.keys(INSTANCE_PRICES).flatMap((instanceType) =>
    AVAILABILITY_ZONES.flatMap((availabilityZone) =>
      products.map((productDescription) => ({ instanceType, availabilityZone, productDescription }))
    )
  ).filter((row) =>
    LINUX_PRODUCTS.includes(row.productDescription) &&
    accepts("instance-type", row.instanceType) &&
    accepts("availability-zone", row.availabilityZone) &&
    accepts("product-description", row.productDescription)
  );
  return {
    spotPriceHistorySet: history.map((row) => ({
      availabilityZone: row.availabilityZone,
      availabilityZoneId: zoneIdOf(row.availabilityZone),
      instanceType: row.instanceType,
      productDescription: row.productDescription,
      spotPrice: spotPrice(row.instanceType, row.availabilityZone)!.toFixed(6),
      timestamp: new Date(context.now),
    })),
    nextToken: "",
  };
};
