// npm run render -- <stack> [--stack-file PATH] [--out-dir DIR]
// Writes every configuration file of the stack under <out-dir>/<stack>/files/ (default build/), exactly as
// it is deployed, with placeholder secrets: nothing real is ever written. Reads Pulumi.<stack>.yaml offline.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { placeholderAlertmanagerSecrets } from "../config/renderAlertmanager";
import { renderAllFiles } from "../config/renderFiles";
import { DEPLOYED } from "../config/renderOptions";
import { PROJECT, SECRET_NAMES, SettingsError, parseSettings, type SecretName } from "../config/settings";
import { readStackFile, stackFilePath } from "./stackFile";

/** Pulumi passes structured values as JSON text; numbers and booleans as their text. */
function decode(value: string): unknown {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

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
  const raw: Record<string, unknown> = {};
  const secretValues: Partial<Record<SecretName, string>> = {};
  const encrypted = new Set(offline.placeholders.map((p) => p.name));
  const plaintext: SecretName[] = [];
  for (const [fullKey, value] of Object.entries(offline.config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if ((SECRET_NAMES as string[]).includes(key)) {
      const name = key as SecretName;
      secretValues[name] = value;
      if (!encrypted.has(name)) plaintext.push(name);
    } else {
      raw[key] = decode(value);
    }
  }
  const { settings } = parseSettings(stack, raw, secretValues, plaintext);

  rmSync(outDir, { recursive: true, force: true });
  if (settings.environment === "staging-dr") {
    console.log(`${stack}: the staging-dr stack runs no monitoring service: no configuration file to render.`);
    return 0;
  }
  const files = renderAllFiles(settings, placeholderAlertmanagerSecrets(settings), DEPLOYED);
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
