package dev.coroner.receiver;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Counts the server's events for {@link ServerStats} and passes them to the listener. */
final class ServerEvents {
  private static final System.Logger LOG = System.getLogger(CoredumpSocketServer.class.getName());

  private final ServerListener listener;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();

  ServerEvents(ServerListener listener) {
    this.listener = listener;
  }

  void opened() {
    connections.incrementAndGet();
    int n = inFlight.incrementAndGet();
    tell(l -> l.inFlight(n));
  }

  void closed() {
    int n = inFlight.decrementAndGet();
    tell(l -> l.inFlight(n));
  }

  void accepted(CrashingPeer peer) {
    accepted.incrementAndGet();
    tell(l -> l.coreAccepted(peer));
  }

  void rejected(CrashingPeer peer, String reason) {
    rejected.incrementAndGet();
    LOG.log(System.Logger.Level.INFO, "rejected the core of pid {0}: {1}", peer.tgid(), reason);
    tell(l -> l.coreRejected(peer, reason));
  }

  void refusedNotKernel(String why) {
    refused.incrementAndGet();
    LOG.log(System.Logger.Level.WARNING, "refused a connection: {0}", why);
    tell(l -> l.refusedNotKernel(why));
  }

  void failed(String why) {
    failed.incrementAndGet();
    LOG.log(System.Logger.Level.WARNING, why);
    tell(l -> l.connectionFailed(why));
  }

  void ended(CrashingPeer peer, CoreOutcome outcome) {
    if (outcome.isComplete()) {
      completed.incrementAndGet();
    }
    tell(l -> l.coreEnded(peer, outcome));
  }

  ServerStats stats() {
    return new ServerStats(
        connections.get(),
        accepted.get(),
        rejected.get(),
        refused.get(),
        failed.get(),
        completed.get(),
        inFlight.get());
  }

  private void tell(Consumer<ServerListener> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "the server listener failed", e);
    }
  }
}
