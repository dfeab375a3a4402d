/**
 * The core's only link to the edge: outbound HTTPS, long-polled leases.
 * Each request carries a short-lived EdDSA JWT signed with the core's key.
 */
import { importPKCS8, SignJWT } from "jose";
import { ConflictError, UnauthorizedError, UpstreamError } from "../../shared/errors.ts";
import {
  CORE_TOKEN_AUDIENCE,
  type LeaseRef,
  type LeaseRequest,
  LeaseResponse,
  SettleResponse,
} from "../../shared/schema/edge_core.ts";
import { ControlAnswer, type ControlCall } from "../../shared/schema/control.ts";
import { RUNNER_TOKEN_AUDIENCE, type RunnerConfigDeposit } from "../../shared/schema/runner.ts";

/** The edge takes at most this many deposits per request. */
const DEPOSITS_PER_REQUEST = 500;
import { VERSION } from "../version.ts";

const TOKEN_TTL_S = 120;

/** Where launched runners get their config: the edge's vault, reached with batch tokens. */
export interface RunnerVault {
  /**
   * The token in a launch's user data, for every instance of that launch.
   * Deterministic for a batch id and issue time (Ed25519 signatures are), so
   * a launch replayed after a crash carries byte-identical user data.
   */
  batchToken(claims: { batchId: string; issuedAt: number; ttlSeconds: number }): Promise<string>;
  /** Stores each launched instance's JIT config, keyed by instance id. */
  deposit(deposits: readonly RunnerConfigDeposit[]): Promise<void>;
}

/** The queue as the scheduler sees it. */
export interface JobQueue {
  /** Leased events, and how many more were ready when they were leased. */
  lease(request: LeaseRequest, signal?: AbortSignal): Promise<LeaseResponse>;
  ack(leases: LeaseRef[]): Promise<number>;
  nack(leases: LeaseRef[], delayMs: number): Promise<number>;
}

export class EdgeClient implements JobQueue, RunnerVault {
  #token?: { value: string; renewAt: number };
  #key?: CryptoKey;

  constructor(
    readonly options: { url: string; coreId: string; privateKeyPem: string },
  ) {}

  async lease(request: LeaseRequest, signal?: AbortSignal): Promise<LeaseResponse> {
    return LeaseResponse.parse(await this.#post("/core/v1/lease", request, signal));
  }

  /** The control call: metrics and action results out, holds and actions in. */
  async control(call: ControlCall, signal?: AbortSignal): Promise<ControlAnswer> {
    return ControlAnswer.parse(await this.#post("/core/v1/control", call, signal));
  }

  async ack(leases: LeaseRef[]): Promise<number> {
    return SettleResponse.parse(await this.#post("/core/v1/ack", { leases })).settled;
  }

  async nack(leases: LeaseRef[], delayMs: number): Promise<number> {
    return SettleResponse.parse(await this.#post("/core/v1/nack", { leases, delayMs })).settled;
  }

  async batchToken(
    claims: { batchId: string; issuedAt: number; ttlSeconds: number },
  ): Promise<string> {
    const issuedAt = Math.floor(claims.issuedAt / 1000);
    return await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA" })
      .setSubject(claims.batchId)
      .setAudience(RUNNER_TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + claims.ttlSeconds)
      .sign(await this.#signingKey());
  }

  async deposit(deposits: readonly RunnerConfigDeposit[]): Promise<void> {
    for (let i = 0; i < deposits.length; i += DEPOSITS_PER_REQUEST) {
      await this.#post("/core/v1/runner-configs", {
        deposits: deposits.slice(i, i + DEPOSITS_PER_REQUEST),
      }).catch((error) => {
        // Already fetched: a launch replayed after a crash found its runners running.
        if (!(error instanceof ConflictError)) throw error;
      });
    }
  }

  async #signingKey(): Promise<CryptoKey> {
    this.#key ??= await importPKCS8(this.options.privateKeyPem, "EdDSA");
    return this.#key;
  }

  async #post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.url), {
        method: "POST",
        headers: {
          "authorization": `Bearer ${await this.#bearer()}`,
          "content-type": "application/json",
          "user-agent": `gantry-core/${VERSION}`,
        },
        body: JSON.stringify(body),
        signal,
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new UpstreamError(`edge unreachable at ${this.options.url}`, { cause });
    }
    const text = await response.text();
    if (response.status === 401) {
      throw new UnauthorizedError(`edge refused the core token: ${text.slice(0, 200)}`);
    }
    if (response.status === 409) {
      throw new ConflictError(`edge ${path} answered 409: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      throw new UpstreamError(`edge ${path} answered ${response.status}: ${text.slice(0, 200)}`);
    }
    return JSON.parse(text);
  }

  async #bearer(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    if (this.#token && now < this.#token.renewAt) return this.#token.value;
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA" })
      .setSubject(this.options.coreId)
      .setAudience(CORE_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_TTL_S)
      .sign(await this.#signingKey());
    this.#token = { value, renewAt: now + TOKEN_TTL_S / 2 };
    return value;
  }
}
