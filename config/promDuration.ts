// Prometheus durations ("90s", "5m", "1h30m", "1d") to and from milliseconds, to scale alert `for:` values.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

export function parseDuration(text: string): number {
  if (text === "0" || text === "0s") return 0;
  if (!/^((\d+)(ms|s|m|h|d|w|y))+$/.test(text)) throw new Error(`not a Prometheus duration: ${text}`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit as string] as number);
  return total;
}

/** The shortest exact form: 3600000 -> "1h", 90000 -> "90s", 1500 -> "1500ms", 0 -> "0s". */
export function formatDuration(ms: number): string {
  const whole = Math.round(ms);
  if (whole <= 0) return "0s";
  for (const unit of ["d", "h", "m", "s"] as const) {
    const size = UNIT_MS[unit] as number;
    if (whole % size === 0) return `${whole / size}${unit}`;
  }
  return `${whole}ms`;
}

/** `duration` times `factor`, rounded to the millisecond. */
export function scaleDuration(duration: string, factor: number): string {
  return formatDuration(parseDuration(duration) * factor);
}
