package dev.coroner.receiver;

import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.SocketPattern;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CoredumpSocketServer} runs. Start from {@link #of(Path)} and change what differs.
 *
 * @param socket the socket's path: absolute, no symlink or {@code ..} in it, at most 107 bytes, in
 *     an existing root-owned directory that only root may write
 * @param pattern {@code @@} (request/ack, the default) or {@code @} (the core streams at once)
 * @param workers connections served at once; more crashes wait in the backlog
 * @param backlog the listen backlog: a crash that finds it full gets no core
 * @param connectionDeadline after this a connection is closed and its core truncated: the kernel
 *     has no timeout, so a stuck handler would stall the crashing task until SIGKILL
 * @param closeGrace how long {@link CoredumpSocketServer#close()} lets connections finish
 * @param listener counters for metrics
 */
public record ServerOptions(
    Path socket,
    SocketPattern pattern,
    int workers,
    int backlog,
    Duration connectionDeadline,
    Duration closeGrace,
    ServerListener listener) {

  public static final int DEFAULT_WORKERS = 2;
  public static final Duration DEFAULT_CONNECTION_DEADLINE = Duration.ofMinutes(10);
  public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(30);

  public ServerOptions {
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(pattern, "pattern");
    Objects.requireNonNull(listener, "listener");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1: " + workers);
    }
    if (backlog < 1) {
      throw new IllegalArgumentException("backlog must be at least 1: " + backlog);
    }
    requirePositive("connectionDeadline", connectionDeadline);
    requirePositive("closeGrace", closeGrace);
  }

  /** {@code @@}, 2 workers, backlog min(4096, net.core.somaxconn), 10 min, 30 s. */
  public static ServerOptions of(Path socket) {
    return new ServerOptions(
        socket,
        SocketPattern.REQUEST,
        DEFAULT_WORKERS,
        defaultBacklog(),
        DEFAULT_CONNECTION_DEADLINE,
        DEFAULT_CLOSE_GRACE,
        ServerListener.NONE);
  }

  /** min(4096, net.core.somaxconn): listen() silently caps the backlog at somaxconn anyway. */
  public static int defaultBacklog() {
    int max = KernelSupport.host().somaxconn();
    return max < 1 ? 4096 : Math.min(4096, max);
  }

  /** The same options with core_pattern form {@code p}. */
  public ServerOptions withPattern(SocketPattern p) {
    return new ServerOptions(socket, p, workers, backlog, connectionDeadline, closeGrace, listener);
  }

  /** The same options with {@code n} workers. */
  public ServerOptions withWorkers(int n) {
    return new ServerOptions(socket, pattern, n, backlog, connectionDeadline, closeGrace, listener);
  }

  /** The same options with a listen backlog of {@code n}. */
  public ServerOptions withBacklog(int n) {
    return new ServerOptions(socket, pattern, workers, n, connectionDeadline, closeGrace, listener);
  }

  /** The same options with connection deadline {@code d}. */
  public ServerOptions withConnectionDeadline(Duration d) {
    return new ServerOptions(socket, pattern, workers, backlog, d, closeGrace, listener);
  }

  /** The same options with close grace {@code d}. */
  public ServerOptions withCloseGrace(Duration d) {
    return new ServerOptions(socket, pattern, workers, backlog, connectionDeadline, d, listener);
  }

  /** The same options with listener {@code l}. */
  public ServerOptions withListener(ServerListener l) {
    return new ServerOptions(socket, pattern, workers, backlog, connectionDeadline, closeGrace, l);
  }

  private static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
