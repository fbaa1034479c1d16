// Starts and stops the sandbox's processes. Every process runs in its own process group with its output in a
// log file; it is stopped by its PID (the whole group: runuser's child included) with its stop signal, then
// SIGKILL after a grace period. Temporary directories are tracked too, so one `stopAll()` (or the exit
// handlers) leaves nothing behind, also when a test fails.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Signal for a clean stop (PostgreSQL wants SIGINT: SIGTERM waits for every client to disconnect). */
  stopSignal?: NodeJS.Signals;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logPath: string;
  command: string[];
  /** Resolves with the exit code (or the signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
  hasExited(): boolean;
  stopSignal: NodeJS.Signals;
}

const STOP_GRACE_MS = 5_000;

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it). */
/** Closes an HTTP server of the sandbox, its keep-alive connections included. */
export async function closeHttpServer(server: HttpServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("no port assigned"));
      server.close(() => resolve(address.port));
    });
  });
}

/** Whether any process of the group led by `pid` is still there. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export class Supervisor {
  private readonly processes = new Map<number, ManagedProcess>();
  private readonly dirs = new Set<string>();
  readonly logDir: string;
  private exitHandlersInstalled = false;

  constructor(readonly label = "roadwave-sandbox") {
    this.logDir = this.tempDir("logs");
  }

  /** A new directory under the OS temp dir, removed by `stopAll()`. */
  tempDir(purpose: string): string {
    const dir = mkdtempSync(join(tmpdir(), `${this.label}-${purpose}-`));
    this.dirs.add(dir);
    return dir;
  }

  start(name: string, command: string, args: string[], options: StartOptions = {}): ManagedProcess {
    const logPath = join(this.logDir, `${name}.log`);
    const fd = openSync(logPath, "a");
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ["ignore", fd, fd],
        detached: true, // own process group: stop() signals the group by PID
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`cannot start ${name}: ${command} (is it installed?)`);
    let exitedFlag = false;
    const exited = new Promise<number | NodeJS.Signals>((resolve) => {
      child.on("exit", (code, signal) => {
        exitedFlag = true;
        resolve(code ?? signal ?? -1);
      });
      child.on("error", () => {
        exitedFlag = true;
        resolve(-1);
      });
    });
    const managed: ManagedProcess = {
      name,
      pid: child.pid,
      logPath,
      command: [command, ...args],
      exited,
      hasExited: () => exitedFlag,
      stopSignal: options.stopSignal ?? "SIGTERM",
    };
    this.processes.set(child.pid, managed);
    return managed;
  }

  /** Stops a process (and its group) by PID: its stop signal, then SIGKILL after the grace period. */
  async stop(proc: ManagedProcess, graceMs = STOP_GRACE_MS): Promise<void> {
    if (!proc.hasExited() || groupAlive(proc.pid)) {
      signalGroup(proc.pid, proc.stopSignal);
      const deadline = Date.now() + graceMs;
      while ((!proc.hasExited() || groupAlive(proc.pid)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!proc.hasExited() || groupAlive(proc.pid)) {
        signalGroup(proc.pid, "SIGKILL");
        // Killed children linger until they are reaped.
        const killDeadline = Date.now() + 2_000;
        while ((!proc.hasExited() || groupAlive(proc.pid)) && Date.now() < killDeadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    this.processes.delete(proc.pid);
  }

  running(): ManagedProcess[] {
    return [...this.processes.values()];
  }

  /** The temp dirs that `stopAll()` will remove. */
  tempDirs(): string[] {
    return [...this.dirs];
  }

  /** Last lines of a process's log, for error messages. */
  logTail(proc: ManagedProcess, lines = 20): string {
    try {
      return readFileSync(proc.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Stops every process (in reverse start order) and removes every temp dir. */
  async stopAll(): Promise<void> {
    const procs = [...this.processes.values()].reverse();
    await Promise.all(procs.map((p) => this.stop(p)));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }

  /** Last-resort synchronous cleanup (process exit): SIGKILL every group, remove every dir. */
  killAllSync(): void {
    for (const p of this.processes.values()) signalGroup(p.pid, "SIGKILL");
    this.processes.clear();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }

  /**
   * Stop everything on Ctrl-C/SIGTERM/SIGHUP and (synchronously) on exit; with `catchErrors` (command-line
   * use, not under a test runner) also on an uncaught error. `onSignal` runs first (e.g. to print a message).
   */
  installExitHandlers(options: { onSignal?: (reason: string) => void; catchErrors?: boolean } = {}): void {
    const { onSignal, catchErrors = false } = options;
    if (this.exitHandlersInstalled) return;
    this.exitHandlersInstalled = true;
    let stopping = false;
    const shutdown = (reason: string, code: number) => {
      if (stopping) return;
      stopping = true;
      onSignal?.(reason);
      this.stopAll().then(
        () => process.exit(code),
        () => {
          this.killAllSync();
          process.exit(code);
        },
      );
    };
    process.on("SIGINT", () => shutdown("SIGINT", 130));
    process.on("SIGTERM", () => shutdown("SIGTERM", 143));
    process.on("SIGHUP", () => shutdown("SIGHUP", 129));
    if (catchErrors) {
      process.on("uncaughtException", (error) => {
        console.error(error);
        shutdown("uncaught exception", 1);
      });
      process.on("unhandledRejection", (error) => {
        console.error(error);
        shutdown("unhandled rejection", 1);
      });
    }
    process.on("exit", () => this.killAllSync());
  }
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
