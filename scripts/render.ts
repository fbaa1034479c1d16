// npm run render -- <stack> [--stack-file PATH] [--out-dir DIR]
// Writes every configuration file of the stack under <out-dir>/<stack>/files/ (default build/), exactly as
// it is deployed, with placeholder secrets: nothing real is ever written. Reads Pulumi.<stack>.yaml offline.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { renderBackupHostFiles } from "../config/pgbackrest";
import { placeholderAlertmanagerSecrets } from "../config/renderAlertmanager";
import { renderAllFiles } from "../config/renderFiles";
import { DEPLOYED } from "../config/renderOptions";
import { SettingsError, parseSettings, splitPulumiConfig } from "../config/settings";
import { readStackFile, stackFilePath } from "./stackFile";

/** Files for the PostgreSQL host (pgBackRest and its timers) go under this directory of the tree. */
const BACKUP_HOST_DIR = "postgresql-host";

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "stack-file": { type: "string" }, "out-dir": { type: "string" } },
  });
  const stack = positionals[0];
  if (!stack || positionals.length > 1) {
    console.error("usage: npm run render -- <stack> [--stack-file PATH] [--out-dir DIR]");
    return 2;
  }
  const path = values["stack-file"] ?? stackFilePath(stack);
  const outDir = join(values["out-dir"] ?? "build", stack, "files");

  const offline = readStackFile(path, stack);
  const { raw, secrets, plaintextSecrets } = splitPulumiConfig(offline.config, (key) => offline.secretKeys.includes(key));
  const { settings } = parseSettings(stack, raw, secrets, plaintextSecrets);

  rmSync(outDir, { recursive: true, force: true });
  if (settings.environment === "staging-dr") {
    console.log(`${stack}: the staging-dr stack runs no monitoring service: no configuration file to render.`);
    return 0;
  }
  const files = {
    ...renderAllFiles(settings, placeholderAlertmanagerSecrets(settings), DEPLOYED),
    // What the backup agent installs on the PostgreSQL host, under its absolute paths.
    ...Object.fromEntries(Object.entries(renderBackupHostFiles(settings)).map(([path, content]) => [`${BACKUP_HOST_DIR}${path}`, content])),
  };
  for (const [relative, content] of Object.entries(files)) {
    const target = join(outDir, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  console.log(`${stack}: ${Object.keys(files).length} files in ${outDir}/ (secrets are placeholders):`);
  for (const relative of Object.keys(files)) console.log(`  ${relative}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof SettingsError ? error.message : `render: ${(error as Error).message}`);
  process.exitCode = 1;
}
