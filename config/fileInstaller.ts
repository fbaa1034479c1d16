// A bash script that writes files with their owner and mode, fed to `sudo bash -s` through remote.Command's
// stdin. @pulumi/command 1.2's CopyToRemote only copies files that exist on disk, and stdin keeps secret
// content (pgbackrest.conf) out of command lines, process lists and the Pulumi state's plain fields.
import { createHash } from "node:crypto";

export interface InstalledFile {
  path: string;
  content: string;
  /** Octal, e.g. "0644". */
  mode: string;
  owner?: string;
  group?: string;
}

export function renderFileInstaller(files: readonly InstalledFile[]): string {
  const parts = ["set -euo pipefail"];
  for (const f of files) {
    if (!f.path.startsWith("/") || /[\s'"$`\\]/.test(f.path)) throw new Error(`install path ${f.path} must be absolute with no spaces or quotes`);
    if (!/^0[0-7]{3}$/.test(f.mode)) throw new Error(`mode ${f.mode} of ${f.path} must be octal like 0644`);
    const owner = f.owner ?? "root";
    const group = f.group ?? owner;
    // A delimiter derived from the content cannot appear in it as a line of its own.
    const delimiter = `ROADWAVE_EOF_${createHash("sha256").update(f.path + f.content).digest("hex").slice(0, 16)}`;
    const body = f.content.endsWith("\n") ? f.content : `${f.content}\n`;
    parts.push(
      `install -D -m ${f.mode} -o ${owner} -g ${group} /dev/stdin ${f.path} <<'${delimiter}'\n${body}${delimiter}`,
    );
  }
  return parts.join("\n") + "\n";
}
