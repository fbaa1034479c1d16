// Test helper: runs the program under mocks for a stack settings file (placeholders for secrets and stack
// references, as the offline preview does). One run per test file: vitest isolates modules per file.
import { runOffline, type OfflineRun, type PlannedResource } from "../../scripts/mockRuntime";
import { placeholderStackReferences } from "../../scripts/preview";
import { readStackFile, stackFilePath } from "../../scripts/stackFile";

export async function planStack(stack: string, file = stackFilePath(stack)): Promise<OfflineRun> {
  const offline = readStackFile(file, stack);
  return runOffline({
    stack,
    config: offline.config,
    secretKeys: offline.secretKeys,
    stackReferences: placeholderStackReferences(offline.config, file),
  });
}

export function ofType(run: OfflineRun, type: string): PlannedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function byName(run: OfflineRun, name: string): PlannedResource {
  const found = run.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have: ${run.resources.map((r) => r.name).join(", ")}`);
  return found;
}

export const TYPES = {
  instance: "ovh:CloudProject/instance:Instance",
  volume: "ovh:index/cloudStorageBlockVolume:CloudStorageBlockVolume",
  attachment: "pulumi-nodejs:dynamic/roadwave-ovh:VolumeAttachment",
  network: "ovh:CloudProject/networkPrivate:NetworkPrivate",
  subnet: "ovh:CloudProject/networkPrivateSubnetV2:NetworkPrivateSubnetV2",
  gateway: "ovh:CloudProject/gateway:Gateway",
  securityGroup: "ovh:index/cloudSecurityGroup:CloudSecurityGroup",
  bucket: "ovh:CloudProject/storage:Storage",
  lifecycle: "ovh:index/cloudProjectStorageObjectBucketLifecycleConfiguration:CloudProjectStorageObjectBucketLifecycleConfiguration",
  user: "ovh:CloudProject/user:User",
  s3Credential: "ovh:CloudProject/s3Credential:S3Credential",
  s3Policy: "ovh:CloudProject/s3Policy:S3Policy",
  command: "command:remote:Command",
  dockerProvider: "pulumi:providers:docker",
  stackReference: "pulumi:pulumi:StackReference",
} as const;
