import assert from "node:assert/strict";
import { clientNetworkOf } from "./client_network.ts";

/** [CF-Connecting-IP, the network its failures count against]. */
const CASES: [string | null, string][] = [
  ["203.0.113.7", "v4:203.0.113.7"],
  ["203.0.113.8", "v4:203.0.113.8"],
  [" 10.0.0.1 ", "v4:10.0.0.1"],
  ["2001:db8:0:1::1", "v6:2001:db8:0:1::/64"],
  ["2001:db8:0:1:ffff:ffff:ffff:ffff", "v6:2001:db8:0:1::/64"],
  ["2001:0DB8:0000:0001:0000:0000:0000:0001", "v6:2001:db8:0:1::/64"],
  ["2001:db8:0:2::1", "v6:2001:db8:0:2::/64"],
  ["2001:db8::1", "v6:2001:db8:0:0::/64"],
  ["::1", "v6:0:0:0:0::/64"],
  ["[2001:db8:0:1::5]", "v6:2001:db8:0:1::/64"],
  ["fe80::1%eth0", "v6:fe80:0:0:0::/64"],
  ["::ffff:198.51.100.4", "v4:198.51.100.4"],
  ["64:ff9b::198.51.100.4", "v6:64:ff9b:0:0::/64"],
  ["256.0.0.1", "unknown"],
  ["1.2.3", "unknown"],
  ["2001:db8::1::2", "unknown"],
  ["2001:db8:0:1:0:0:0:0:1", "unknown"],
  ["not an ip", "unknown"],
  ["", "unknown"],
  [null, "unknown"],
];

Deno.test("sign-in failures count per IPv4 address and per IPv6 /64", () => {
  for (const [ip, network] of CASES) {
    assert.equal(clientNetworkOf(ip), network, JSON.stringify(ip));
  }
});
