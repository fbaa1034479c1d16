// Placeholder secret values for the offline modes (preview with no credentials, render to disk). They pass
// the same format checks as real values (a webhook URL stays a URL) and say plainly that they are not real.
import type { SecretName } from "./settings";

export const PLACEHOLDER_MARK = "OFFLINE-PLACEHOLDER";

export const PLACEHOLDER_SECRETS: Record<SecretName, string> = {
  smtpPassword: `${PLACEHOLDER_MARK}-smtp-password`,
  slackWebhookUrl: `https://hooks.slack.com/services/${PLACEHOLDER_MARK}/not-a-real/webhook`,
  discordWebhookUrl: `https://discord.com/api/webhooks/${PLACEHOLDER_MARK}/not-a-real-webhook`,
  sshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${PLACEHOLDER_MARK}\n-----END OPENSSH PRIVATE KEY-----\n`,
  uptimeKumaAdminPassword: `${PLACEHOLDER_MARK}-Kuma-1`,
  postgresExporterPassword: `${PLACEHOLDER_MARK}-postgres-exporter`,
  redisPassword: `${PLACEHOLDER_MARK}-redis`,
  pgbackrestPassphrase: `${PLACEHOLDER_MARK}-pgbackrest-passphrase-0123456789`,
};
