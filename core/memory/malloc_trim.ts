/**
 * Hands back to the OS what glibc's malloc keeps after it was freed
 * (`malloc_trim(0)`). Parsing and compiling the 4.5 MB bundle at start-up, and
 * a burst's requests later, go through malloc; once freed, glibc keeps most
 * of it in its arenas, which measured anywhere from 5 to over 100 MB of idle
 * RSS between identical starts of the core. Trimming brings that back to a
 * few MB. Linux with glibc only, and it needs the FFI permission (`-A`, as
 * the compiled binary has); elsewhere it is unavailable and nothing happens.
 *
 * @module
 */

/** `malloc_trim(0)`; true when it released memory. */
export type MallocTrim = () => boolean;

/** `malloc_trim` from `library`, or null where there is none or FFI is not permitted. */
export function openMallocTrim(library = "libc.so.6"): MallocTrim | null {
  if (Deno.build.os !== "linux") return null;
  try {
    const libc = Deno.dlopen(library, {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    return () => libc.symbols.malloc_trim(0n) === 1;
  } catch {
    // musl (no malloc_trim), no such library, or no FFI permission: keep what malloc keeps.
    return null;
  }
}
