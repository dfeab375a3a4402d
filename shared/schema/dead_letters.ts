/**
 * Bodies of the dead-letter API: events the edge queue gave up on after
 * too many deliveries, and putting one back.
 *
 * @module
 */
import { z } from "zod";
import { QueueMessage } from "./edge_core.ts";

const EpochMs = z.number().int().nonnegative();

/** One dead letter. */
export const DeadLetterView = z.object({
  eventId: z.number().int().positive(),
  deliveries: z.number().int().nonnegative(),
  enqueuedAt: EpochMs,
  deadAt: EpochMs,
  message: QueueMessage,
});
/** One dead letter. */
export type DeadLetterView = z.infer<typeof DeadLetterView>;

/** `GET /api/v1/dead-letters`, newest first. */
export const DeadLettersResponse = z.object({ deadLetters: z.array(DeadLetterView) });
/** The dead letters. */
export type DeadLettersResponse = z.infer<typeof DeadLettersResponse>;

/** `POST /api/v1/dead-letters/:eventId/requeue`. */
export const RequeueResponse = z.object({
  status: z.literal("requeued"),
  eventId: z.number().int().positive(),
});
/** A requeued dead letter. */
export type RequeueResponse = z.infer<typeof RequeueResponse>;
