package dev.coroner.receiver.service;

import dev.coroner.receiver.CoredumpHandler;
import dev.coroner.receiver.CoredumpSocketServer;
import dev.coroner.receiver.ServerOptions;
import dev.coroner.receiver.kernel.KernelReport;
import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.PatternChange;
import dev.coroner.receiver.kernel.SocketPattern;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A running receiver and the core_pattern that points at it. The pattern points at the socket only
 * while the server listens: {@link #start} listens first and switches the pattern then (the request
 * form {@code @@} where the kernel takes it, else {@code @}); {@link #close} puts the fallback (the
 * pipe composer's pattern) back first, then lets the captures in flight finish. The kernel has no
 * fallback of its own: with a socket pattern and no listener, a crash gets no core.
 *
 * <p>The agent hosts it in-process the same way: start it with a {@code SocketCapture} carrying its
 * triage hook, close it on shutdown (its preStop restores the pattern too).
 */
public final class ReceiverService implements AutoCloseable {
  /** The kernel cannot hand cores to this socket, or the pattern belongs to someone else. */
  public static final class NotStartedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean permanent;

    NotStartedException(String message, boolean permanent, @Nullable Throwable cause) {
      super(message, cause);
      this.permanent = permanent;
    }

    /** Trying again will not help (no socket mode in this kernel, a foreign pattern). */
    public boolean permanent() {
      return permanent;
    }
  }

  /**
   * How to run.
   *
   * @param server the server's options (socket, workers, deadline, close grace); the pattern form
   *     is chosen here
   * @param fallback the pattern to restore on close, normally the pipe composer's; the kernel's
   *     previous pattern when null
   * @param log one line per lifecycle event
   */
  public record Options(ServerOptions server, String fallback, Consumer<String> log) {}

  private final KernelSupport kernel;
  private final CoredumpSocketServer server;
  private final String pattern;
  private final String restore;
  private final Consumer<String> log;
  private boolean closed;

  private ReceiverService(
      KernelSupport kernel, CoredumpSocketServer server, PatternChange change, Options options) {
    this.kernel = kernel;
    this.server = server;
    this.pattern = change.readBack();
    this.restore = options.fallback() != null ? options.fallback() : change.previous();
    this.log = options.log();
  }

  /**
   * Listens, then points core_pattern at the socket.
   *
   * @throws NotStartedException nothing was changed: the kernel refuses both socket forms, the
   *     server could not listen, or core_pattern is neither the fallback nor ours (someone else's
   *     handler is left alone)
   */
  public static ReceiverService start(Options options, CoredumpHandler handler)
      throws NotStartedException {
    return start(options, handler, KernelSupport.host());
  }

  /**
   * Listens, then points core_pattern at the socket through {@code kernel} (e.g. one that writes
   * {@code @} patterns from the initial mount namespace, for a receiver in a pod).
   *
   * @throws NotStartedException nothing was changed, as for {@link #start(Options,
   *     CoredumpHandler)}
   */
  public static ReceiverService start(
      Options options, CoredumpHandler handler, KernelSupport kernel) throws NotStartedException {
    KernelReport report = kernel.report();
    List<SocketPattern> forms = new ArrayList<>();
    for (SocketPattern p : List.of(SocketPattern.REQUEST, SocketPattern.STREAM)) {
      if (report.usable(p)) {
        forms.add(p);
      }
    }
    if (forms.isEmpty()) {
      throw new NotStartedException(
          String.join(" ", report.problems(SocketPattern.STREAM)), true, null);
    }
    checkPatternIsOurs(kernel, options);
    List<String> refusals = new ArrayList<>();
    for (SocketPattern form : forms) {
      CoredumpSocketServer server;
      try {
        server = CoredumpSocketServer.start(options.server().withPattern(form), handler);
      } catch (IOException e) {
        throw new NotStartedException(
            "cannot listen on " + options.server().socket() + ": " + e.getMessage(), false, e);
      }
      try {
        PatternChange change = kernel.trySet(form.corePattern(server.path()));
        if (change.isSet()) {
          options
              .log()
              .accept(
                  "core_pattern is now '"
                      + change.readBack()
                      + "' (was '"
                      + change.previous()
                      + "')");
          return new ReceiverService(kernel, server, change, options);
        }
        refusals.add(change.detail());
      } catch (IOException | RuntimeException e) {
        refusals.add("cannot set core_pattern: " + e.getMessage());
      }
      server.close();
    }
    throw new NotStartedException(String.join(" ", refusals), true, null);
  }

  /** A pattern that is neither the fallback nor a socket pattern of ours is someone else's. */
  private static void checkPatternIsOurs(KernelSupport kernel, Options options)
      throws NotStartedException {
    String current;
    try {
      current = kernel.corePattern();
    } catch (IOException e) {
      throw new NotStartedException("cannot read core_pattern: " + e.getMessage(), false, e);
    }
    String socket = options.server().socket().toString();
    boolean ours =
        options.fallback() == null
            || current.equals(options.fallback())
            || current.equals(SocketPattern.REQUEST.corePattern(options.server().socket()))
            || current.equals(SocketPattern.STREAM.corePattern(options.server().socket()));
    if (!ours) {
      throw new NotStartedException(
          "core_pattern is '"
              + current
              + "', neither the pipe composer's nor "
              + socket
              + ": someone else handles crashes here; leaving it alone",
          true,
          null);
    }
  }

  /** The socket pattern in force, e.g. {@code @@/opt/coroner/run/coredump.sock}. */
  public String pattern() {
    return pattern;
  }

  /** The socket server, for its stats. */
  public CoredumpSocketServer server() {
    return server;
  }

  /** Whether the server still takes crashes (its accept loop can die of an unexpected error). */
  public boolean accepting() {
    return server.accepting();
  }

  /**
   * Puts the fallback pattern back (only while the kernel still points at this socket), then closes
   * the server: the backlog is served and the captures in flight finish within the close grace.
   * Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      restorePattern().ifPresent(log);
    } finally {
      server.close();
      log.accept("receiver closed: " + server.stats());
    }
  }

  private Optional<String> restorePattern() {
    try {
      String current = kernel.corePattern();
      if (!current.equals(pattern)) {
        return Optional.of(
            "core_pattern is '" + current + "', no longer this receiver's; left alone");
      }
      kernel.restore(restore);
      return Optional.of("core_pattern is '" + restore + "' again");
    } catch (IOException e) {
      return Optional.of("could not put core_pattern '" + restore + "' back: " + e.getMessage());
    }
  }
}
