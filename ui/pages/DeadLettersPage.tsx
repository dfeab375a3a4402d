import { Time } from "../components/Time.tsx";
import { selectOnKey } from "../components/keyboard.ts";
import { useEffect } from "preact/hooks";
import type { DeadLetterView } from "../../shared/schema/dead_letters.ts";
import { useConsole } from "../console.ts";

/** What a dead letter was about, in a few words. */
function subjectOf(letter: DeadLetterView): { kind: string; job: string; detail: string } {
  const message = letter.message;
  return message.type === "workflow_job"
    ? {
      kind: `workflow_job.${message.action}`,
      job: String(message.job.githubJobId),
      detail: message.job.repoFullName,
    }
    : { kind: `runner.${message.kind}`, job: message.jobId, detail: message.instanceId };
}

/** Events the edge queue gave up on; admins put them back. */
export function DeadLettersPage() {
  const { deadLetters, session } = useConsole();
  useEffect(() => {
    void deadLetters.load();
  }, [deadLetters]);
  const letters = deadLetters.deadLetters.value;
  const selected = deadLetters.selected.value;
  const isAdmin = session.user.value?.role === "admin";
  return (
    <section>
      <header class="page-head">
        <h1>Dead letters</h1>
        <button type="button" class="button secondary" onClick={() => deadLetters.load()}>
          Refresh
        </button>
      </header>
      <p class="muted">
        Events the queue stopped delivering after every retry failed. Requeueing one gives it a
        fresh set of deliveries{isAdmin ? "" : " (admins only)"}; each requeue is audited.
      </p>
      {deadLetters.notice.value && (
        <p class="banner banner-good" role="status">{deadLetters.notice.value}</p>
      )}
      {deadLetters.error.value && (
        <p class="banner banner-bad" role="alert">{deadLetters.error.value}</p>
      )}
      <div>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Dead letters table">
          <table data-testid="dead-letters">
            <thead>
              <tr>
                <th>Event</th>
                <th>Kind</th>
                <th>Job</th>
                <th>Repo / instance</th>
                <th class="num">Deliveries</th>
                <th>Dead at</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(letters ?? []).map((letter) => {
                const subject = subjectOf(letter);
                return (
                  <tr
                    key={letter.eventId}
                    data-event={letter.eventId}
                    class="selectable"
                    aria-selected={selected?.eventId === letter.eventId}
                    tabIndex={0}
                    onClick={() => deadLetters.select(letter)}
                    onKeyDown={selectOnKey(() => deadLetters.select(letter))}
                  >
                    <td class="mono">{letter.eventId}</td>
                    <td class="mono">{subject.kind}</td>
                    <td>{subject.job}</td>
                    <td>{subject.detail}</td>
                    <td class="num">{letter.deliveries}</td>
                    <td>
                      <Time ms={letter.deadAt} short />
                    </td>
                    <td>
                      {isAdmin && (
                        <button
                          type="button"
                          class="button secondary"
                          onClick={(event) => {
                            event.stopPropagation();
                            void deadLetters.requeue(letter.eventId);
                          }}
                        >
                          Requeue
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
              {letters && letters.length === 0 && (
                <tr>
                  <td colSpan={7} class="empty">No dead letters: every event was delivered.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <aside class="card dead-letter-panel" aria-label="Dead letter">
          {selected
            ? (
              <>
                <h2>Event {selected.eventId}</h2>
                <p class="muted small">
                  queued <Time ms={selected.enqueuedAt} /> · dead <Time ms={selected.deadAt} />
                </p>
                <pre
                  data-testid="dead-letter-message"
                  tabIndex={0}
                  aria-label="Message"
                >{JSON.stringify(selected.message, null, 2)}</pre>
              </>
            )
            : <p class="muted">Select an event to see the message it carried.</p>}
        </aside>
      </div>
    </section>
  );
}
