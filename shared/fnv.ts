/**
 * FNV-1a, 32 bits, over UTF-16 code units: short, stable across processes and
 * releases, not a secret. Queue shards, subnet picks and warm client tokens
 * all depend on its values staying the same.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** {@link fnv1a32} as 8 hex digits, leading zeros kept. */
export function fnv1a32Hex(text: string): string {
  return fnv1a32(text).toString(16).padStart(8, "0");
}
