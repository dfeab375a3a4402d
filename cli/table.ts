/** Plain-text tables for people: a header row, columns padded to their widest cell. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const cells = [header, ...rows.map((row) => row.map(cellOf))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i]).length)));
  return cells.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : String(cell).padEnd(widths[i])).join("  ")
      .trimEnd()
  ).join("\n");
}

function cellOf(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value);
}

/** "3m12s", "2h05m", "4d03h": an age at a glance. */
export function durationOf(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad(seconds % 60)}s`;
  if (seconds < 86400) {
    return `${Math.floor(seconds / 3600)}h${pad(Math.floor(seconds / 60) % 60)}m`;
  }
  return `${Math.floor(seconds / 86400)}d${pad(Math.floor(seconds / 3600) % 24)}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** USD with cents, or "-" when unknown. */
export function usdOf(value: number | null): string {
  return value === null ? "-" : `$${value.toFixed(2)}`;
}

/** An epoch-ms instant as UTC, to the second. */
export function timeOf(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString().replace(".000Z", "Z");
}
