// PromQL checks with Prometheus' own Lezer grammar (the one its web UI uses).
import { parser } from "@prometheus-io/lezer-promql";

/** Parse errors of a PromQL expression (empty when it parses). */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: ...${expr.slice(Math.max(0, node.from - 20), node.from + 20)}...`);
    },
  });
  if (expr.trim() === "") errors.push("empty expression");
  return errors;
}

/** Metric names the expression selects (vector selectors' names). */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === "VectorSelector") {
        const identifier = node.node.getChild("Identifier");
        if (identifier) names.add(expr.slice(identifier.from, identifier.to));
      }
    },
  });
  return [...names];
}
