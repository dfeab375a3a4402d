/**
 * The network a sign-in comes from, as the throttle counts it: an IPv4
 * address is its own network (/32); an IPv6 address counts as its /64, the
 * smallest block one subscriber gets, so an attacker cannot mint a fresh key
 * per request from one allocation.
 */

/**
 * `ip` as its throttle network: `v4:203.0.113.7`, `v6:2001:db8:0:1::/64`,
 * or `unknown` when it is neither (no header, or garbage).
 */
export function clientNetworkOf(ip: string | null | undefined): string {
  const text = ip?.trim() ?? "";
  const v4 = ipv4Of(text);
  if (v4) return `v4:${v4}`;
  const groups = ipv6GroupsOf(text);
  if (!groups) return "unknown";
  // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 client.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `v4:${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
  }
  const prefix = groups.slice(0, 4).map((g) => g.toString(16)).join(":");
  return `v6:${prefix}::/64`;
}

function ipv4Of(text: string): string | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((part) => /^\d{1,3}$/.test(part) ? Number(part) : NaN);
  if (octets.some((octet) => !(octet >= 0 && octet <= 255))) return null;
  return octets.join(".");
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail), or null. */
function ipv6GroupsOf(text: string): number[] | null {
  const address = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  if (!address.includes(":")) return null;
  let tail: number[] = [];
  let body = address;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const v4 = ipv4Of(dotted[2]);
    if (!v4) return null;
    const [a, b, c, d] = v4.split(".").map(Number);
    tail = [(a << 8) | b, (c << 8) | d];
    body = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string) => half === "" ? [] : half.split(":");
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if ([...head, ...rest].some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = Array<number>(8 - known).fill(0);
  return [
    ...head.map((g) => parseInt(g, 16)),
    ...(halves.length === 2 ? zeros : []),
    ...rest.map((g) => parseInt(g, 16)),
    ...tail,
  ];
}
