/** The core's version, printed by `--version` and sent in the edge client's User-Agent. */
export const VERSION = "0.1.0";
