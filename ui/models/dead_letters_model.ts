/**
 * The dead letters: what the queue gave up on, and requeueing one (the
 * edge refuses a viewer; the page also hides the button from one).
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { DeadLetterView } from "../../shared/schema/dead_letters.ts";
import type { OpsApi } from "../api/ops_client.ts";

/** The dead-letters model: signals and actions. */
export interface DeadLettersModel {
  readonly deadLetters: ReadonlySignal<DeadLetterView[] | null>;
  readonly selected: ReadonlySignal<DeadLetterView | null>;
  /** What the last requeue did, for the banner. */
  readonly notice: ReadonlySignal<string | null>;
  readonly error: ReadonlySignal<string | null>;
  load(): Promise<void>;
  requeue(eventId: number): Promise<void>;
  select(letter: DeadLetterView | null): void;
}

/** A dead-letters model over `ops`. */
export function createDeadLettersModel(ops: OpsApi): DeadLettersModel {
  const deadLetters = signal<DeadLetterView[] | null>(null);
  const selected = signal<DeadLetterView | null>(null);
  const notice = signal<string | null>(null);
  const error = signal<string | null>(null);
  const messageOf = (reason: unknown) => reason instanceof Error ? reason.message : String(reason);
  const load = async () => {
    try {
      deadLetters.value = (await ops.deadLetters()).deadLetters;
      error.value = null;
    } catch (reason) {
      error.value = messageOf(reason);
    }
  };
  return {
    deadLetters,
    selected,
    notice,
    error,
    load,
    async requeue(eventId) {
      try {
        await ops.requeue(eventId);
        notice.value = `Event ${eventId} is back in the queue.`;
        error.value = null;
        if (selected.value?.eventId === eventId) selected.value = null;
      } catch (reason) {
        notice.value = null;
        error.value = messageOf(reason);
      }
      await load();
    },
    select(letter) {
      selected.value = letter;
    },
  };
}
