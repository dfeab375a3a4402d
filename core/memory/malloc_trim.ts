/**
 * Hands back to the OS what glibc's malloc keeps after it was freed
 * (`malloc_trim(0)`). Start-up (Deno loading the 4.5 MB bundle, opening
 * libSQL) and a burst's requests go through malloc; once freed, glibc keeps
 * much of it in its arenas. Measured on the bundled core at idle: 128 MB
 * without trimming, 101 MB with; after `deno run`'s first run of a new file
 * (which parses it once to find its imports), 204 MB against 110. Linux with
 * glibc only, and it needs the FFI permission (`-A`, as the compiled binary
 * has); elsewhere it is unavailable and nothing happens.
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
