import net from 'node:net';

/**
 * A TCP proxy in front of an HTTP server, so a test can cut the network between a browser and the server
 * without stopping either: `drop()` resets every open connection and refuses new ones until `restore()`.
 * (Chromium's offline emulation leaves an open EventSource streaming, so it cannot stand for a drop.)
 */
export async function tcpProxy(target: string) {
  let { hostname, port } = new URL(target);
  let down = false;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    /** Resets every connection through the proxy and refuses new ones. */
    drop(): void {
      down = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    /** Accepts connections again, forwarding them to `next` if given (a restarted server's new port). */
    restore(next?: string): void {
      if (next) ({ hostname, port } = new URL(next));
      down = false;
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
