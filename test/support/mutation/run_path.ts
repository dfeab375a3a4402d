/** The path of the mutation worker's switch (test/support/mutation/worker.ts). */
export const MUTATION_RUN_PATH = "/__mutation/run";

/** The var that must be `on` for the mutation worker to answer it. */
export const MUTATION_HOOK_VAR = "GANTRY_MUTATION_HOOK";
