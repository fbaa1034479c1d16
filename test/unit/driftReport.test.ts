// Drift reports built from recorded engine events and `pulumi preview --json` documents
// (test/fixtures/drift/, written from Pulumi's documentation of those formats: see the README there).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  EXIT_DRIFT,
  EXIT_ERROR,
  EXIT_NO_DRIFT,
  SECRET_MASK,
  describeFailure,
  exitCodeFor,
  maskText,
  maskValue,
  parsePropertyPath,
  renderMarkdown,
  renderSummary,
  reportFromRecording,
  type DriftReport,
} from "../../scripts/driftReport";

const FIXTURES = join(__dirname, "..", "fixtures", "drift");
const CHECKED_AT = "2026-12-03T02:00:00.000Z";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
}

function report(name: string, stack: string, secretValues: string[] = []): DriftReport {
  return reportFromRecording(fixture(name), { stack, checkedAt: CHECKED_AT, secretValues });
}

describe("drift report from engine events", () => {
  it("reports no drift when every refresh step is unchanged", () => {
    const r = report("no-drift.events.json", "prod");
    expect(r.status).toBe("no-drift");
    expect(r.resources).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.changeSummary).toEqual({ same: 3 });
    expect(exitCodeFor([r])).toBe(EXIT_NO_DRIFT);
    expect(renderMarkdown(r)).toContain("**prod**: no drift");
  });

  it("lists updated properties with recorded and actual values", () => {
    const r = report("updated-properties.events.json", "prod");
    expect(r.status).toBe("drift");
    expect(exitCodeFor([r])).toBe(EXIT_DRIFT);
    expect(r.resources.map((x) => [x.name, x.type, x.operation])).toEqual([
      ["monitoring", "ovh:CloudProject/instance:Instance", "update"],
      ["prometheus", "docker:index/container:Container", "update"],
    ]);
    const instance = r.resources[0]!;
    expect(instance.urn).toBe(
      "urn:pulumi:prod::roadwave-monitoring::roadwave:monitoring:Hosts$ovh:CloudProject/instance:Instance::monitoring",
    );
    expect(instance.id).toBe("8d2f1c3a-4b5e-4f6a-8b7c-9d0e1f2a3b4c");
    expect(instance.changes).toEqual([{ path: "flavorName", kind: "update", recorded: "b3-16", actual: "b3-32" }]);
    const container = r.resources[1]!;
    expect(container.changes).toEqual([
      { path: "labels[0].value", kind: "update", recorded: "metrics", actual: "metrics-debug" },
      { path: "restart", kind: "update", recorded: "unless-stopped", actual: "no" },
    ]);
    const md = renderMarkdown(r);
    expect(md).toContain("**prod**: drift in 2 resources");
    expect(md).toContain("| `flavorName` | update | `b3-16` | `b3-32` |");
    expect(md).toContain("`pulumi up -s prod`");
  });

  it("reports a resource deleted outside Pulumi", () => {
    const r = report("deleted-out-of-band.events.json", "prod");
    expect(r.status).toBe("drift");
    expect(r.resources).toHaveLength(1);
    expect(r.resources[0]).toMatchObject({
      name: "pgbackrest-writer",
      type: "ovh:CloudProject/s3Credential:S3Credential",
      operation: "delete",
      id: "9a8b7c6d5e4f3a2b1c0d",
      changes: [],
    });
    expect(renderMarkdown(r)).toContain("deleted outside Pulumi");
  });

  it("turns error diagnostics and failed operations into an error report (exit 2)", () => {
    const r = report("error.events.json", "prod");
    expect(r.status).toBe("error");
    expect(exitCodeFor([r])).toBe(EXIT_ERROR);
    expect(r.errors[0]).toMatch(/^monitoring: reading instance .*status code 403.*This credential is not valid/s);
    expect(r.errors[1]).toMatch(/Instance::monitoring: the refresh operation failed$/);
    // info#err diagnostics are progress output, not errors.
    expect(r.errors).toHaveLength(2);
    // The instance was never read: its pre event (no new state yet) is not taken for a deletion.
    expect(r.resources).toEqual([]);
    expect(renderMarkdown(r)).toContain("**prod**: could not be checked");
  });
});

describe("secret masking", () => {
  const webhook = "https://hooks.slack.com/services/T0ROADWAVE/B0STAGING/s3cr3tW3bh00kT0k3n";

  it("masks engine-blinded secrets, secret envelopes with plaintext, secret-named keys and webhook URLs", () => {
    const r = report("secrets-in-diff.events.json", "staging");
    expect(r.status).toBe("drift");
    const byName = Object.fromEntries(r.resources.map((x) => [x.name, x]));
    expect(byName["pgbackrest-writer"]!.changes).toEqual([
      { path: "secretAccessKey", kind: "update", recorded: SECRET_MASK, actual: SECRET_MASK },
    ]);
    expect(byName["alertmanager"]!.changes).toEqual([
      { path: "envs[0]", kind: "update", recorded: `ALERTMANAGER_SLACK_URL=${SECRET_MASK}`, actual: `ALERTMANAGER_SLACK_URL=${SECRET_MASK}` },
      { path: "envs[1]", kind: "update", recorded: "TZ=Europe/Paris", actual: "TZ=UTC" },
    ]);
    expect(byName["api-health"]!.changes).toEqual([
      { path: "basicAuthPassword", kind: "update", recorded: SECRET_MASK, actual: SECRET_MASK },
      { path: "smtp.password", kind: "update", recorded: SECRET_MASK, actual: SECRET_MASK },
    ]);
    const everything = JSON.stringify(r) + renderMarkdown(r) + renderSummary([r]);
    for (const leak of ["s3cr3tW3bh00kT0k3n", "kuma-basic-auth-pw", "smtp-plain", "should-not-leak"]) {
      expect(everything).not.toContain(leak);
    }
  });

  it("masks known secret config values anywhere, including error messages", () => {
    const r = reportFromRecording(fixture("error.events.json"), {
      stack: "prod",
      checkedAt: CHECKED_AT,
      secretValues: ["5f3a9c1e7b2d4e6f8a0b1c2d3e4f5a6b"],
      failure: "backend said token 5f3a9c1e7b2d4e6f8a0b1c2d3e4f5a6b is wrong",
    });
    expect(JSON.stringify(r)).not.toContain("5f3a9c1e7b2d4e6f8a0b1c2d3e4f5a6b");
    expect(r.errors.at(-1)).toBe(`backend said token ${SECRET_MASK} is wrong`);
  });

  it("masks a value below a secret-named property", () => {
    const old = { type: "t", urn: "urn:pulumi:prod::p::t::r", id: "1", outputs: { credentials: { user: "u1" } } };
    const now = { ...old, outputs: { credentials: { user: "u2" } } };
    const events = [
      { sequence: 1, resOutputsEvent: { metadata: { op: "refresh", urn: old.urn, old, new: now, detailedDiff: { "credentials.user": { diffKind: "update" } } } } },
    ];
    const r = reportFromRecording(events, { stack: "prod", checkedAt: CHECKED_AT });
    expect(r.resources[0]?.changes).toEqual([{ path: "credentials.user", kind: "update", recorded: SECRET_MASK, actual: SECRET_MASK }]);
  });

  it("masks nested values and leaves plain ones", () => {
    const envelope = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: '"x"' };
    expect(maskValue({ a: envelope, b: [1, "two"], apiKey: "k-123", nested: { privateKey: "pem" } })).toEqual({
      a: SECRET_MASK,
      b: [1, "two"],
      apiKey: SECRET_MASK,
      nested: { privateKey: SECRET_MASK },
    });
    expect(maskText(`url=${webhook} and more`)).toBe(`url=${SECRET_MASK} and more`);
    expect(maskText("https://discord.com/api/webhooks/123/abc-DEF")).toBe(SECRET_MASK);
    // Values too short to be secrets are not replaced everywhere.
    expect(maskText("abc", ["abc"])).toBe("abc");
  });
});

describe("pulumi preview --json documents", () => {
  it("reads updates with their property values and masks [secret]", () => {
    const r = report("updated-properties.preview.json", "staging");
    expect(r.status).toBe("drift");
    expect(r.changeSummary).toEqual({ same: 1, update: 2 });
    expect(r.resources.map((x) => [x.name, x.operation])).toEqual([
      ["pgbackrest-writer", "update"],
      ["monitoring", "update"],
    ]);
    const instance = r.resources.find((x) => x.name === "monitoring")!;
    expect(instance.changes).toEqual([{ path: "flavorName", kind: "update", recorded: "d2-8", actual: "d2-8" }]);
    const credential = r.resources.find((x) => x.name === "pgbackrest-writer")!;
    expect(credential.changes[0]).toMatchObject({ recorded: SECRET_MASK, actual: SECRET_MASK });
    // A warning diagnostic is not an error.
    expect(r.errors).toEqual([]);
  });

  it("rejects a file that is neither format", () => {
    expect(() => reportFromRecording({ foo: 1 }, { stack: "prod", checkedAt: CHECKED_AT })).toThrow(/not a recording/);
  });
});

describe("exit codes", () => {
  const of = (...statuses: DriftReport["status"][]) => exitCodeFor(statuses.map((status) => ({ status })));
  it("is 0 only when every stack is clean, 1 on drift, 2 when any stack could not be checked", () => {
    expect(of("no-drift", "no-drift")).toBe(0);
    expect(of("no-drift", "drift")).toBe(1);
    expect(of("drift", "error")).toBe(2);
    expect(of("error")).toBe(2);
    expect(of()).toBe(2);
  });

  it("counts drift the engine summarised even without per-resource detail", () => {
    const r = reportFromRecording([{ sequence: 1, summaryEvent: { resourceChanges: { update: 1, same: 4 } } }], {
      stack: "staging",
      checkedAt: CHECKED_AT,
    });
    expect(r.status).toBe("drift");
    expect(r.notes[0]).toMatch(/counted 1 changed resource/);
  });

  it("does not take a refresh step seen only before its read for a deletion", () => {
    const old = { type: "t", urn: "urn:pulumi:prod::p::t::r", id: "1", outputs: {} };
    const pre = [{ sequence: 1, resourcePreEvent: { metadata: { op: "refresh", urn: old.urn, old, new: null, detailedDiff: null } } }];
    expect(reportFromRecording(pre, { stack: "prod", checkedAt: CHECKED_AT }).status).toBe("no-drift");
    const digest = { steps: [{ op: "refresh", urn: old.urn, oldState: old }], changeSummary: { delete: 1 } };
    const fromDigest = reportFromRecording(digest, { stack: "prod", checkedAt: CHECKED_AT });
    expect(fromDigest.status).toBe("drift");
    expect(fromDigest.resources).toEqual([]);
    expect(fromDigest.notes[0]).toMatch(/counted 1 changed resource/);
  });

  it("drops outputs-only differences when the engine counted no change", () => {
    const old = { type: "t", urn: "urn:pulumi:prod::p::t::r", id: "1", outputs: { updatedAt: "a" } };
    const now = { ...old, outputs: { updatedAt: "b" } };
    const events = [
      { sequence: 1, resOutputsEvent: { metadata: { op: "refresh", urn: old.urn, old, new: now, detailedDiff: null } } },
    ];
    const withoutSummary = reportFromRecording(events, { stack: "prod", checkedAt: CHECKED_AT });
    expect(withoutSummary.resources[0]?.changes).toEqual([{ path: "updatedAt", kind: "update", recorded: "a", actual: "b" }]);
    const withSummary = reportFromRecording(
      [...events, { sequence: 2, summaryEvent: { resourceChanges: { same: 1 } } }],
      { stack: "prod", checkedAt: CHECKED_AT },
    );
    expect(withSummary.status).toBe("no-drift");
  });
});

describe("failure messages", () => {
  it("explains a missing Pulumi CLI", () => {
    expect(describeFailure("code: -2\n stdout: \n stderr: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\n err?: Error: spawn pulumi ENOENT\n")).toMatch(
      /Pulumi CLI was not found on PATH/,
    );
  });

  it("keeps the error: lines of the CLI's stderr", () => {
    const message =
      "code: 255\n stdout: \n stderr: warning: A new version of Pulumi is available.\nerror: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n err?: \n";
    expect(describeFailure(message)).toBe("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
  });

  it("falls back to the first lines without a stack trace", () => {
    expect(describeFailure("boom\n    at foo (bar.js:1:1)")).toBe("boom");
  });
});

describe("property paths", () => {
  it("parses keys, indexes and quoted keys", () => {
    expect(parsePropertyPath('a.b[0]["c.d"].e')).toEqual(["a", "b", 0, "c.d", "e"]);
    expect(parsePropertyPath("flavorName")).toEqual(["flavorName"]);
  });
});

describe("combined summary", () => {
  it("states the overall verdict and each stack", () => {
    const text = renderSummary([report("no-drift.events.json", "staging"), report("updated-properties.events.json", "prod")]);
    expect(text.split("\n")[0]).toBe("# Pulumi drift check: DRIFT DETECTED");
    expect(text).toContain("- **staging**: no drift");
    expect(text).toContain("- **prod**: drift in 2 resources");
  });
});
