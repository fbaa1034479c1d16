// An in-process SSH server (ssh2) on 127.0.0.1 and a free port that accepts one user's key and forwards
// direct-tcpip channels, as the Kuma host's sshd does for the provider's tunnel.
import { connect, type AddressInfo } from "node:net";
import { Server, utils } from "ssh2";

export interface FakeSshHost {
  port: number;
  /** Host public key in known_hosts form ("ssh-ed25519 AAAA..."). */
  hostKey: string;
  /** Destinations of the forwarded channels. */
  forwards: string[];
  close(): Promise<void>;
}

/** A new ed25519 key pair (OpenSSH private key, "ssh-ed25519 AAAA..." public key). */
export function newSshKeyPair(): { privateKey: string; publicKey: string } {
  const pair = utils.generateKeyPairSync("ed25519");
  return { privateKey: pair.private, publicKey: pair.public };
}

export async function startFakeSshHost(user: string, authorizedPublicKey: string): Promise<FakeSshHost> {
  const host = newSshKeyPair();
  const allowed = utils.parseKey(authorizedPublicKey);
  if (allowed instanceof Error) throw allowed;
  const forwards: string[] = [];
  const server = new Server({ hostKeys: [host.privateKey] }, (client) => {
    client.on("authentication", (ctx) => {
      const keyMatches = ctx.method === "publickey" && ctx.username === user && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
      if (!keyMatches) return ctx.reject(["publickey"]);
      if (ctx.signature && ctx.blob && !allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.reject(["publickey"]);
      ctx.accept();
    });
    client.on("tcpip", (accept, reject, info) => {
      forwards.push(`${info.destIP}:${info.destPort}`);
      const socket = connect(info.destPort, info.destIP);
      socket.once("error", () => reject());
      socket.once("connect", () => {
        const channel = accept();
        socket.pipe(channel).pipe(socket);
        channel.on("error", () => socket.destroy());
        socket.on("close", () => channel.destroy());
      });
    });
    client.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hostKey: host.publicKey.split(" ").slice(0, 2).join(" "),
    forwards,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
