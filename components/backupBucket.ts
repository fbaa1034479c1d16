import * as ovh from "@ovhcloud/pulumi-ovh";
import * as pulumi from "@pulumi/pulumi";
import { bucketLifecycleRules, bucketPolicy, s3Endpoint, type BucketAccess } from "../config/backupBucket";

export interface BackupBucketArgs {
  serviceName: string;
  environment: string;
  bucketName: string;
  /** Object storage region, e.g. GRA. */
  region: string;
  retentionDays: number;
  /** prod: the bucket and its credentials are protected against `pulumi destroy`. */
  protect: boolean;
}

export interface S3Credentials {
  accessKeyId: pulumi.Output<string>;
  secretAccessKey: pulumi.Output<string>;
}

/**
 * The OVH object storage bucket for the continuous PostgreSQL backups (versioned, AES256-encrypted, object
 * lock for the retention period, lifecycle backstop, objects hidden from the Pulumi state), with two OVH
 * users limited to it: read-write for the backup agent, read-only for the DR restore.
 */
export class BackupBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly s3Endpoint: string;
  readonly s3Region: string;
  readonly readWrite: S3Credentials;
  readonly readOnly: S3Credentials;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadwave:backup:BackupBucket", name, {}, opts);
    const keep = { parent: this, protect: args.protect };

    const bucket = new ovh.cloudproject.Storage(
      `${name}-bucket`,
      {
        serviceName: args.serviceName,
        regionName: args.region,
        name: args.bucketName,
        versioning: { status: "enabled" },
        encryption: { sseAlgorithm: "AES256" },
        // Backups must not be deleted or overwritten inside the retention window, even with the agent's key.
        objectLock: { status: "enabled", rule: { mode: "governance", period: `P${args.retentionDays}D` } },
        hideObjects: true,
        tags: { environment: args.environment, purpose: "postgresql-backups" },
      },
      keep,
    );

    new ovh.CloudProjectStorageObjectBucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { serviceName: args.serviceName, regionName: args.region, containerName: bucket.name, rules: bucketLifecycleRules(args.retentionDays) },
      keep,
    );

    const credentials = (access: BucketAccess): S3Credentials => {
      const user = new ovh.cloudproject.User(
        `${name}-${access}-user`,
        {
          serviceName: args.serviceName,
          description: `roadwave-${args.environment} backups ${access} (${access === "read-write" ? "pgBackRest" : "DR restore"})`,
          roleName: "objectstore_operator",
        },
        keep,
      );
      new ovh.cloudproject.S3Policy(
        `${name}-${access}-policy`,
        { serviceName: args.serviceName, userId: user.id, policy: bucket.name.apply((b) => bucketPolicy(b, access)) },
        keep,
      );
      const credential = new ovh.cloudproject.S3Credential(
        `${name}-${access}-credential`,
        { serviceName: args.serviceName, userId: user.id },
        { ...keep, additionalSecretOutputs: ["secretAccessKey"] },
      );
      return { accessKeyId: pulumi.secret(credential.accessKeyId), secretAccessKey: pulumi.secret(credential.secretAccessKey) };
    };

    this.bucketName = bucket.name;
    this.s3Endpoint = s3Endpoint(args.region);
    this.s3Region = args.region.toLowerCase();
    this.readWrite = credentials("read-write");
    this.readOnly = credentials("read-only");
    this.registerOutputs({ bucketName: this.bucketName, s3Endpoint: this.s3Endpoint });
  }
}
