// An HTTP server that records every request it gets (path, method, body, arrival time) and answers 200: it
// stands in for the Slack and Discord webhooks and the Uptime Kuma push URL, each on its own path.
import { createServer, type Server } from "node:http";
import { closeHttpServer } from "./supervisor";

/** Paths of the webhook sink, one per channel. */
export const SINK_PATHS = { slack: "/slack", discord: "/discord", watchdog: "/uptime-kuma/push" } as const;

export interface ReceivedRequest {
  /** Milliseconds since the epoch, when the body was complete. */
  at: number;
  method: string;
  path: string;
  /** The query string, without "?". */
  query: string;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

export class WebhookSink {
  readonly received: ReceivedRequest[] = [];
  private server?: Server;
  port = 0;

  async start(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = body === "" ? undefined : JSON.parse(body);
        } catch {
          json = undefined;
        }
        const [path = "/", query = ""] = (req.url ?? "/").split("?");
        this.received.push({ at: Date.now(), method: req.method ?? "", path, query, body, json });
        // Slack answers "ok", Discord 204, Uptime Kuma {"ok":true}: any 2xx is success for Alertmanager.
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeHttpServer(server);
  }
}
