import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP forwarder the test controls, to put a dependency (PostgreSQL, Redis) "down" without
 * touching the shared server:
 *
 *   const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 *   proxy.setMode('refuse');    // open connections are cut, new ones are refused (server down)
 *   proxy.setMode('blackhole'); // open connections stall, new ones are accepted and never answered (partition)
 *   proxy.setMode('forward');   // back to normal
 */
export type TcpProxyMode = 'forward' | 'refuse' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far (refused ones excluded). */
  readonly accepted: number;
  setMode(mode: TcpProxyMode): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export interface TcpProxyOptions {
  /** Sees every chunk a client sends upstream (e.g. to count the queries that reach PostgreSQL). */
  readonly onClientBytes?: (chunk: Buffer) => void;
}

export async function startTcpProxy(target: { host: string; port: number }, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  let mode: TcpProxyMode = 'forward';
  let accepted = 0;
  const pairs = new Set<Pair>();
  let server: Server | undefined;
  let port = 0;

  function destroy(pair: Pair): void {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  }

  function onConnection(client: Socket): void {
    accepted += 1;
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => destroy(pair));
    client.on('close', () => destroy(pair));
    // Partitioned: accept and hold the connection, but nothing ever reaches the server.
    if (mode === 'blackhole') return;
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => destroy(pair));
    upstream.on('close', () => destroy(pair));
    if (options.onClientBytes) client.on('data', options.onClientBytes);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  function listen(onPort: number): Promise<void> {
    const next = createServer(onConnection);
    server = next;
    return new Promise((resolve, reject) => {
      next.once('error', reject);
      next.listen(onPort, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    const current = server;
    server = undefined;
    if (!current) return Promise.resolve();
    return new Promise((resolve) => current.close(() => resolve()));
  }

  await listen(0);
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    async setMode(next) {
      if (next === mode) return;
      const previous = mode;
      mode = next;
      if (next === 'refuse') {
        // Like a stopped server: established connections are reset, new ones refused (nothing listens).
        for (const pair of [...pairs]) destroy(pair);
        await stopListening();
        return;
      }
      if (previous === 'refuse') await listen(port);
      if (next === 'blackhole') {
        // Established connections stop carrying bytes in either direction, as in a network partition.
        for (const pair of pairs) {
          pair.client.unpipe();
          pair.upstream?.unpipe();
          pair.client.pause();
          pair.upstream?.pause();
        }
      } else {
        // Back from a partition: the stalled connections are dropped, as a real peer would time them out.
        if (previous === 'blackhole') for (const pair of [...pairs]) destroy(pair);
      }
    },
    async close() {
      for (const pair of [...pairs]) destroy(pair);
      await stopListening();
    },
  };
}
