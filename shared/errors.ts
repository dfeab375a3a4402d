/**
 * One error base for the whole system. Every expected failure carries a
 * stable `code` an operator can search for; adapters map codes to HTTP
 * statuses in one place per runtime. The low-level error travels as `cause`.
 */
export class GantryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Input that fails validation (HTTP 400). */
export class InvalidError extends GantryError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    message: string,
    options?: { cause?: unknown; issues?: readonly { path: string; message: string }[] },
  ) {
    super("invalid", message, options);
    this.issues = options?.issues ?? [];
  }
}

/** Missing or bad credentials (HTTP 401). */
export class UnauthorizedError extends GantryError {
  constructor(message = "authentication required", options?: { cause?: unknown }) {
    super("unauthorized", message, options);
  }
}

/** Authenticated but not allowed (HTTP 403). */
export class ForbiddenError extends GantryError {
  constructor(message = "not allowed", options?: { cause?: unknown }) {
    super("forbidden", message, options);
  }
}

/** The thing asked for does not exist (HTTP 404). */
export class NotFoundError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("not_found", message, options);
  }
}

/** The request conflicts with current state (HTTP 409). */
export class ConflictError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("conflict", message, options);
  }
}

/** The thing asked for existed and is used up for good, e.g. a used invitation (HTTP 410). */
export class GoneError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("gone", message, options);
  }
}

/** Valid input that refers to something missing, e.g. a pool's unknown project (HTTP 422). */
export class UnprocessableError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unprocessable", message, options);
  }
}

/** A dependency (AWS, GitHub, libSQL, the edge) failed (HTTP 502). */
export class UpstreamError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("upstream", message, options);
  }
}

/** A dependency is down for now and the request was not carried out; retry it (HTTP 503). */
export class UnavailableError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", message, options);
  }
}

/** The deployment is set up wrongly (a bad var or secret); HTTP 500 that says which. */
export class ConfigError extends GantryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("misconfigured", message, options);
  }
}

/** HTTP status for an error code; unknown codes are 500. */
export function httpStatusOf(error: unknown): number {
  if (!(error instanceof GantryError)) return 500;
  switch (error.code) {
    case "invalid":
      return 400;
    case "unauthorized":
      return 401;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "conflict":
    case "illegal_transition":
      return 409;
    case "gone":
      return 410;
    case "too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "unprocessable":
      return 422;
    case "upstream":
      return 502;
    case "unavailable":
      return 503;
    default:
      return 500;
  }
}
