import assert from "node:assert/strict";
import { WarmScheduleSchema } from "../../shared/launch/warm_schedule.ts";
import { scheduleOf, scheduleText } from "./schedule_text.ts";

Deno.test("a schedule's lines read into the API's object and back", () => {
  const text = "time_zone: Europe/Berlin\nwindow: mon-fri 08:00-18:00\n" +
    "window: sat 10:00-14:00\noff_hours_min: 1";
  const read = scheduleOf(text);
  assert.deepEqual(read, {
    ok: true,
    schedule: {
      time_zone: "Europe/Berlin",
      windows: ["mon-fri 08:00-18:00", "sat 10:00-14:00"],
      off_hours_min: 1,
    },
  });
  assert.equal(scheduleText(WarmScheduleSchema.parse(read.ok && read.schedule)), text);
});

Deno.test("blank is no schedule; a missing off_hours_min is left to its default", () => {
  assert.deepEqual(scheduleOf(" \n\n"), { ok: true, schedule: null });
  assert.equal(scheduleText(null), "");
  assert.deepEqual(scheduleOf("window: mon 09:00-10:00"), {
    ok: true,
    schedule: { time_zone: "", windows: ["mon 09:00-10:00"] },
  });
});

Deno.test("a line with another key names its line", () => {
  assert.deepEqual(scheduleOf("time_zone: UTC\nwindows mon 09:00-10:00"), {
    ok: false,
    message: "line 2: expected time_zone:, window: or off_hours_min:",
  });
});
