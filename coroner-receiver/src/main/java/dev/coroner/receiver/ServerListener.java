package dev.coroner.receiver;

/**
 * Counters for metrics, called on the server's threads; keep each call short and non-blocking.
 * Exceptions thrown here are logged and ignored.
 */
public interface ServerListener {
  /** A listener that counts nothing. */
  ServerListener NONE = new ServerListener() {};

  /** The handler accepted the kernel's core and the kernel acknowledged the ack. */
  default void coreAccepted(CrashingPeer peer) {}

  /** The handler rejected the core. */
  default void coreRejected(CrashingPeer peer, String reason) {}

  /** A connection that was not the kernel (a userspace client) was closed without an ack. */
  default void refusedNotKernel(String why) {}

  /** A connection failed: socket, protocol or handler error, or a truncated core. */
  default void connectionFailed(String why) {}

  /** A connection ended (the kernel's peers only). */
  default void coreEnded(CrashingPeer peer, CoreOutcome outcome) {}

  /** The number of connections being served changed. */
  default void inFlight(int connections) {}
}
