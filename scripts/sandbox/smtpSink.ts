// An SMTP server that stands in for Brevo's relay: it requires AUTH with the expected login (so Alertmanager's
// smtp_auth_* settings are exercised), parses every message and records it. Go's PLAIN auth (Alertmanager's
// client) refuses to send credentials over a plain connection except to localhost, which is where the sink is.
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  at: number;
  /** The login the client authenticated with. */
  user: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface SmtpSinkOptions {
  username: string;
  password: string;
  /** Offer STARTTLS with this certificate (PEM); without it the sink speaks plain SMTP only. */
  tls?: { key: string; cert: string };
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** AUTH attempts refused (wrong login): a test asserts there were none. */
  readonly refusedLogins: string[] = [];
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly options: SmtpSinkOptions) {}

  async start(port: number): Promise<void> {
    const { username, password, tls } = this.options;
    const server = new SMTPServer({
      authMethods: ["PLAIN", "LOGIN"],
      allowInsecureAuth: true,
      hideSTARTTLS: tls === undefined,
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === username && auth.password === password) return callback(null, { user: username });
        this.refusedLogins.push(auth.username ?? "");
        return callback(new Error("535 authentication failed"));
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.received.push({
              at: Date.now(),
              user: String(session.user ?? ""),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: mail.subject ?? "",
              text: mail.text ?? "",
              html: typeof mail.html === "string" ? mail.html : "",
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    server.on("error", () => {
      // A client that drops the connection mid-session must not crash the sandbox.
    });
    this.server = server;
    this.port = port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
