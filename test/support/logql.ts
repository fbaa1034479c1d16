// A structural LogQL checker for the subset the dashboards use (there is no LogQL parser package for Node
// and no Loki binary here): a log query is a stream selector with at least one non-empty matcher followed
// by line filters and parser/label stages; a metric query wraps a log query in a range aggregation
// ([duration]) and optionally a vector aggregation with by/without.

const STRING = String.raw`"(?:[^"\\]|\\.)*"|\x60[^\x60]*\x60`;
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const MATCHER = new RegExp(String.raw`^\s*(${LABEL})\s*(=~|!~|!=|=)\s*(${STRING})\s*`);
const LINE_FILTER = new RegExp(String.raw`^\s*(\|=|!=|\|~|!~)\s*(${STRING})\s*`);
const PARSER_STAGE = /^\s*\|\s*(json|logfmt|unpack|pattern\s+"[^"]*"|regexp\s+"[^"]*"|line_format\s+"[^"]*"|label_format\s+[^|]+|drop\s+[^|]+|keep\s+[^|]+|decolorize)\s*/;
const LABEL_FILTER = new RegExp(String.raw`^\s*\|\s*${LABEL}\s*(=~|!~|!=|==|=|>=|<=|>|<)\s*(${STRING}|[0-9.]+[a-zA-Z]*)\s*`);
const RANGE_FUNCTIONS = ["count_over_time", "rate", "bytes_over_time", "bytes_rate", "absent_over_time"];
const VECTOR_AGGREGATIONS = ["sum", "avg", "min", "max", "count", "topk", "bottomk", "stddev", "stdvar"];

export class LogqlError extends Error {}

/** Parses `{...}` and the pipeline; returns the rest of the text. */
function parseLogQuery(text: string): string {
  let rest = text.trimStart();
  if (!rest.startsWith("{")) throw new LogqlError(`a log query starts with a stream selector {...}: ${text}`);
  rest = rest.slice(1);
  let nonEmpty = 0;
  for (;;) {
    const m = MATCHER.exec(rest);
    if (!m) throw new LogqlError(`bad label matcher in stream selector near: ${rest}`);
    const [, , op, quoted] = m;
    const value = JSON.parse(quoted!.startsWith("`") ? JSON.stringify(quoted!.slice(1, -1)) : quoted!) as string;
    // Loki refuses selectors whose every matcher matches the empty string.
    if ((op === "=" && value !== "") || (op === "=~" && !new RegExp(`^(?:${value})$`).test(""))) nonEmpty++;
    rest = rest.slice(m[0].length);
    if (rest.startsWith(",")) {
      rest = rest.slice(1);
      continue;
    }
    if (rest.startsWith("}")) {
      rest = rest.slice(1);
      break;
    }
    throw new LogqlError(`expected , or } in stream selector near: ${rest}`);
  }
  if (nonEmpty === 0) throw new LogqlError("the stream selector needs at least one matcher that does not match the empty string");
  for (;;) {
    const m = LINE_FILTER.exec(rest) ?? PARSER_STAGE.exec(rest) ?? LABEL_FILTER.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
  }
  return rest;
}

function parseMetricQuery(text: string): string {
  let rest = text.trimStart();
  const aggregation = /^([a-z_]+)\s*(?:(by|without)\s*\(\s*[a-zA-Z_][a-zA-Z0-9_]*(?:\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*)*\s*\)\s*)?\(/.exec(rest);
  if (!aggregation) throw new LogqlError(`expected a function call near: ${rest}`);
  const name = aggregation[1]!;
  rest = rest.slice(aggregation[0].length);
  if (RANGE_FUNCTIONS.includes(name)) {
    if (aggregation[2]) throw new LogqlError(`${name} takes no by/without`);
    rest = parseLogQuery(rest);
    const range = /^\s*\[\s*\d+(ms|s|m|h|d|w)\s*\]\s*\)/.exec(rest);
    if (!range) throw new LogqlError(`${name} needs a log query followed by [duration] and ): ${rest}`);
    return rest.slice(range[0].length);
  }
  if (!VECTOR_AGGREGATIONS.includes(name)) throw new LogqlError(`unknown LogQL function ${name}`);
  if (name === "topk" || name === "bottomk") {
    const k = /^\s*\d+\s*,/.exec(rest);
    if (!k) throw new LogqlError(`${name} needs a number first`);
    rest = rest.slice(k[0].length);
  }
  rest = parseMetricQuery(rest);
  const close = /^\s*\)/.exec(rest);
  if (!close) throw new LogqlError(`missing ) after ${name}(...)`);
  return rest.slice(close[0].length);
}

/** Throws a LogqlError when the query is not a well-formed log or metric query. */
export function checkLogql(query: string): "log" | "metric" {
  const kind = query.trimStart().startsWith("{") ? "log" : "metric";
  const rest = kind === "log" ? parseLogQuery(query) : parseMetricQuery(query);
  if (rest.trim() !== "") throw new LogqlError(`unexpected text at the end: ${rest}`);
  return kind;
}
