import { Time } from "../components/Time.tsx";
import { useEffect } from "preact/hooks";
import { MonthCards } from "../components/MonthCards.tsx";
import { useConsole } from "../console.ts";
import { formatDuration } from "../format.ts";

/** Live tiles, refreshed every 5 s while the page is open. */
export function OverviewPage() {
  const { overview } = useConsole();
  useEffect(() => {
    overview.start();
    return () => overview.stop();
  }, [overview]);
  const data = overview.overview.value;
  const error = overview.error.value;
  return (
    <section>
      <header class="page-head">
        <h1>Overview</h1>
        <span class="muted" data-testid="updated-at">
          {data
            ? (
              <>
                updated <Time ms={data.generatedAt} /> · every 5 s
              </>
            )
            : "loading…"}
        </span>
      </header>
      {error && <p class="banner banner-bad" role="alert">{error}</p>}
      {data?.cores.filter((core) => core.isDown).map((core) => (
        <p key={core.coreId} class="banner banner-bad" role="alert" data-core-down={core.coreId}>
          Core {core.coreId} is down: no lease for{" "}
          {formatDuration((core.downForSeconds ?? 0) * 1000)}
        </p>
      ))}
      <div class="tiles">
        {overview.tiles.value.map((tile) => (
          <div key={tile.key} class={`tile tile-${tile.tone}`} data-tile={tile.key}>
            <div class="tile-label">{tile.label}</div>
            <div class="tile-value">{tile.value}</div>
            {tile.hint && <div class="tile-hint">{tile.hint}</div>}
          </div>
        ))}
      </div>
      <MonthCards />
    </section>
  );
}
