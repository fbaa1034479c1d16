// An S3-compatible server (s3rver) with TLS on 127.0.0.1, run as a child process by the DR sandbox so the
// test can stop it by PID. Usage: node s3Server.cjs <port> <dataDir> <keyFile> <certFile> <bucket>...
const fs = require("node:fs");
const S3rver = require("s3rver");

const [port, directory, keyFile, certFile, ...buckets] = process.argv.slice(2);
new S3rver({
  address: "127.0.0.1",
  port: Number(port),
  directory,
  silent: true,
  key: fs.readFileSync(keyFile),
  cert: fs.readFileSync(certFile),
  configureBuckets: buckets.map((name) => ({ name })),
})
  .run()
  .then(() => console.log("ready"))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
