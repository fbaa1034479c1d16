import { beforeAll, describe, expect, it } from "vitest";
import type { OfflineRun } from "../../scripts/mockRuntime";
import { byName, ofType, planStack, TYPES } from "./offlineRun";

let run: OfflineRun;
beforeAll(async () => {
  run = await planStack("staging");
});

describe("staging stack under Pulumi mocks", () => {
  it("has one smaller monitoring host (Uptime Kuma shares it) on its own network", () => {
    const instances = ofType(run, TYPES.instance);
    expect(instances.map((i) => i.inputs.name)).toEqual(["roadwave-staging-monitoring"]);
    expect(instances[0]!.inputs).toMatchObject({ flavor: { flavorId: "flavor-id-b3-8" }, network: { private: { ip: "10.43.0.10" } } });
    expect(byName(run, "roadwave-network-vrack").inputs).toMatchObject({ vlanId: 43 });
    expect(ofType(run, TYPES.securityGroup).map((g) => g.inputs.name)).toEqual(["roadwave-staging-monitoring"]);
    expect(run.outputs).toMatchObject({ uptimeKumaPrivateIp: "10.43.0.10", pushgatewayUrl: "http://10.43.0.10:9091" });
  });

  it("does not protect staging data, but keeps it on delete", () => {
    const volume = byName(run, "roadwave-monitoring-data");
    expect(volume.protect).toBe(false);
    expect(volume.retainOnDelete).toBe(true);
    expect(byName(run, "roadwave-backups-bucket").protect).toBe(false);
  });

  it("exports what staging-dr needs: network ids and the Pushgateway", () => {
    expect(run.outputs).toMatchObject({
      privateNetworkId: "roadwave-network-vrack-id",
      privateSubnetId: "roadwave-network-subnet-id",
      gatewayId: "roadwave-network-gateway-id",
    });
  });
});
