import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun } from "../../scripts/mockRuntime";
import { byName, ofType, planStack, TYPES } from "./offlineRun";

let run: OfflineRun;
beforeAll(async () => {
  run = await planStack("staging-dr");
});

describe("staging-dr stack under Pulumi mocks", () => {
  it("references the prod and staging stacks named in the settings", () => {
    expect(ofType(run, TYPES.stackReference).map((r) => r.inputs.name).sort()).toEqual([
      "roadwave/roadwave-monitoring/prod",
      "roadwave/roadwave-monitoring/staging",
    ]);
  });

  it("creates only the restore host, on the staging network, without Docker", () => {
    expect(ofType(run, TYPES.instance)).toHaveLength(1);
    expect(ofType(run, TYPES.network)).toHaveLength(0);
    expect(ofType(run, TYPES.bucket)).toHaveLength(0);
    expect(ofType(run, TYPES.dockerProvider)).toHaveLength(0);
    expect(byName(run, "roadwave-restore-instance").inputs).toMatchObject({
      name: "roadwave-staging-dr-restore",
      flavor: { flavorId: "flavor-id-b3-8" },
      network: {
        private: {
          ip: "10.43.0.60",
          network: { id: "pn-offline-placeholder-staging", subnetId: "subnet-offline-placeholder-staging" },
          gateway: { id: "gateway-offline-placeholder-staging" },
        },
      },
    });
    const userData = String(byName(run, "roadwave-restore-instance").rawInputs.userData);
    expect(userData).not.toContain("docker.io");
    expect(userData).not.toContain("dport 443");
  });

  it("throws its data away with the drill (not protected)", () => {
    expect(byName(run, "roadwave-restore-data").protect).toBe(false);
    expect(run.outputs.restoredFromBucket).toBe("roadwave-prod-pgbackrest");
  });
});
