import { GantryError } from "../../shared/errors.ts";

/** An operator-set var that cannot be used (HTTP 500, with the var named so it can be fixed). */
export class MisconfiguredError extends GantryError {
  constructor(message: string) {
    super("misconfigured", message);
  }
}
