/**
 * Reads a new connection's `remoteAddress` once, so that every socket gets the property Node
 * caches the peer in (`_peername`, which a socket does not start with). Recorded spans read the
 * peer address (`network.peer.address`); had only the sampled calls read it, the sockets that once
 * carried one would have another hidden class than the rest, and Node's (and undici's) code
 * handling every socket deoptimised again and again as new mixes of them appeared: a burst of
 * 40-50 deoptimisations whenever connections came and went, at 1% sampling, none at 0% or 100%
 * (ADR 0008). Called for every new server connection and every new fetch/undici connection.
 */
export function cachePeerAddress(socket: unknown): void {
  try {
    void (socket as { remoteAddress?: string } | undefined)?.remoteAddress;
  } catch {
    // instrumentation never breaks the connection
  }
}
