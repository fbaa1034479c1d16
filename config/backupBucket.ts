// The backup bucket's policies and lifecycle, as data. pgBackRest expires backups itself (time-based
// retention); the lifecycle rules are a backstop that never removes what a restore inside the retention
// window still needs.

export type BucketAccess = "read-write" | "read-only";

/** S3 endpoint of an OVH object storage region (path-style URIs). */
export function s3Endpoint(region: string): string {
  return `https://s3.${region.toLowerCase()}.io.cloud.ovh.net`;
}

const READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation"];
const WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:ListBucketMultipartUploads"];

/** A per-user S3 policy limited to one bucket. */
export function bucketPolicy(bucket: string, access: BucketAccess): string {
  const actions = access === "read-write" ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS;
  return JSON.stringify({
    Statement: [
      {
        Sid: access === "read-write" ? "BackupAgentReadWrite" : "DrRestoreReadOnly",
        Effect: "Allow",
        Action: actions,
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

/** Days between full backups (weekly); a restore at the oldest retained point needs that full backup. */
export const FULL_BACKUP_INTERVAL_DAYS = 7;

export interface LifecycleRule {
  id: string;
  status: "enabled";
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

export function bucketLifecycleRules(backupDays: number): LifecycleRule[] {
  return [
    {
      // Backstop only: an object older than retention + one full-backup interval + a day is never needed.
      id: "expire-beyond-retention",
      status: "enabled",
      expiration: { days: backupDays + FULL_BACKUP_INTERVAL_DAYS + 1 },
    },
    {
      // Deleted or overwritten objects (pgBackRest expire) stay recoverable for one retention period.
      id: "expire-noncurrent-versions",
      status: "enabled",
      noncurrentVersionExpiration: { noncurrentDays: backupDays },
    },
    { id: "remove-expired-delete-markers", status: "enabled", expiration: { expiredObjectDeleteMarker: true } },
    { id: "abort-incomplete-uploads", status: "enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
  ];
}
