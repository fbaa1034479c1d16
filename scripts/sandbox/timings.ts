// The short timings of the live tests and `npm run sandbox -- <stack> --fast`: same rules, same routes, only
// faster. `for:` durations are divided by 60 (1m -> 1s, 5m -> 5s, 10m -> 10s); the Watchdog heartbeat is
// re-sent every 10 s instead of every minute.
import type { Timings } from "../../config/renderOptions";

export const TEST_TIMINGS: Timings = {
  scrapeInterval: "1s",
  evaluationInterval: "1s",
  groupWait: "1s",
  groupInterval: "2s",
  // Long: a notification that comes back is a re-send, which the Alertmanager restart test must not see.
  repeatInterval: "1h",
  forScale: 1 / 60,
  watchdogRepeatInterval: "10s",
};
