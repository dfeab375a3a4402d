import type { DailyOutcomesResponse } from "../../shared/schema/stats.ts";

const WIDTH = 620;
const HEIGHT = 180;
const AXIS = 18;

/** Completed (green) and failed/reaped (red) jobs per day of the month, side by side. */
export function MonthChart(props: { data: DailyOutcomesResponse }) {
  const { days } = props.data;
  const peak = Math.max(1, ...days.map((d) => Math.max(d.completed, d.failed)));
  // 31 slots whatever the month, so bars keep their width as the month fills.
  const slot = WIDTH / 31;
  const bar = Math.max(2, slot / 2 - 2);
  const scale = (n: number) => (n / peak) * (HEIGHT - AXIS - 14);
  return (
    <svg
      class="bar-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label="Completed and failed jobs per day this month"
      preserveAspectRatio="none"
    >
      <text x={0} y={10} font-size="10" fill="currentColor" opacity="0.6">{peak}</text>
      {days.map((day, i) => {
        const x = i * slot + 2;
        const date = new Date(day.day).getUTCDate();
        return (
          <g
            key={day.day}
            data-day={date}
            data-completed={day.completed}
            data-failed={day.failed}
          >
            <title>{`${date}: ${day.completed} completed, ${day.failed} failed/reaped`}</title>
            <rect
              class="bar-completed"
              x={x}
              y={HEIGHT - AXIS - scale(day.completed)}
              width={bar}
              height={scale(day.completed)}
            />
            <rect
              class="bar-failed"
              x={x + bar + 1}
              y={HEIGHT - AXIS - scale(day.failed)}
              width={bar}
              height={scale(day.failed)}
            />
            {(date === 1 || date % 5 === 0) && (
              <text x={x} y={HEIGHT - 4} font-size="10" fill="currentColor" opacity="0.6">
                {date}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
