// A loopback port for a throwaway Postgres (tests, benchmarks). Chosen at random below Linux's
// ephemeral range (32768 and up), where the kernel never places the client side of the many
// connections the tests open, and checked free by binding it; a random pick inside that range
// once collided with such a connection and Postgres failed to start.
import * as net from "node:net";

const LOW = 20000;
const HIGH = 32767;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await isFree(port)) return port;
  }
  throw new Error(`No free port found on 127.0.0.1 between ${LOW} and ${HIGH} after 50 tries.`);
}
