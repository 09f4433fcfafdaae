/**
 * Starting and stopping an HTTP server on a port: the bureau's API and the portal's static server both do it.
 * @module
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A server that listens, with the URL it answers at and how to stop it. */
export interface Listening {
  readonly server: Server;
  /** `http://host:port`, the port as bound (a requested port 0 becomes the one the system chose). */
  readonly url: string;
  /** Stops accepting connections and resolves once the server has closed. */
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (port 0: any free port).
 * @param options.dropOpen close open connections at once (a static server), rather than letting requests in
 *   flight finish and closing only idle ones (an API)
 * @throws the server's listen error (EADDRINUSE, EACCES…)
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
  { dropOpen = false }: { dropOpen?: boolean } = {},
): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (dropOpen) server.closeAllConnections();
        server.close(() => resolve());
        if (!dropOpen) server.closeIdleConnections();
      }),
  };
}
