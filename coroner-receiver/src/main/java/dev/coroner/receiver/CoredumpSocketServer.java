package dev.coroner.receiver;

import dev.coroner.receiver.sys.Deadline;
import dev.coroner.receiver.sys.Errno;
import dev.coroner.receiver.sys.ErrnoException;
import dev.coroner.receiver.sys.Linux;
import dev.coroner.receiver.sys.ReceiverUnavailableException;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel coredump socket server: listens where core_pattern {@code @@/path} (or {@code @})
 * points, and hands each crash to a {@link CoredumpHandler}. One accept thread takes a connection
 * only when one of the bounded workers is free, so a crash storm waits in the listen backlog
 * (nothing is dropped until it is full). Every connection has a deadline, because the kernel has
 * none and stalls the crashing task for as long as the server takes.
 *
 * <p>Setting core_pattern is the caller's job: start the server first, point the pattern at {@link
 * #path()}, and restore the pattern before {@link #close()}.
 */
public final class CoredumpSocketServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CoredumpSocketServer.class.getName());

  private final Syscalls sys;
  private final ServerOptions options;
  private final CoredumpHandler handler;
  private final ServerEvents events;
  private final SocketBinder.Bound bound;
  private final int[] wakePipe;
  private final Semaphore idleWorkers;
  private final ExecutorService workers;
  private final ScheduledThreadPoolExecutor watchdog;
  private final Set<Connection> live = ConcurrentHashMap.newKeySet();
  private final Thread acceptThread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean draining;
  private volatile long drainUntilNanos;
  private long nextId;

  private CoredumpSocketServer(
      Syscalls sys, ServerOptions options, CoredumpHandler handler, SocketBinder.Bound bound)
      throws IOException {
    this.sys = sys;
    this.options = options;
    this.handler = handler;
    this.events = new ServerEvents(options.listener());
    this.bound = bound;
    this.wakePipe = sys.pipe();
    this.idleWorkers = new Semaphore(options.workers());
    this.workers = Executors.newFixedThreadPool(options.workers(), threads("worker"));
    this.watchdog = new ScheduledThreadPoolExecutor(1, threads("deadline"));
    watchdog.setRemoveOnCancelPolicy(true);
    this.acceptThread = threads("accept").newThread(this::acceptLoop);
  }

  /**
   * Marks this process non-dumpable (a server that crashed would otherwise connect to itself and
   * hang), binds and listens on the options' socket, and starts accepting.
   *
   * @throws ReceiverUnavailableException not on Java 22+ from the multi-release jar, or not Linux
   * @throws IOException the path breaks a rule, another server listens there, or a call failed
   */
  public static CoredumpSocketServer start(ServerOptions options, CoredumpHandler handler)
      throws IOException {
    Syscalls sys = Syscalls.system();
    if (!sys.unavailableReason().isEmpty()) {
      throw new ReceiverUnavailableException(sys.unavailableReason());
    }
    sys.setDumpable(false);
    SocketBinder.Bound bound = SocketBinder.listen(sys, options.socket(), options.backlog(), 0);
    CoredumpSocketServer server;
    try {
      server = new CoredumpSocketServer(sys, options, handler, bound);
    } catch (IOException | RuntimeException e) {
      SocketBinder.closeQuietly(sys, bound.fd());
      SocketBinder.unlink(bound);
      throw e;
    }
    server.acceptThread.start();
    return server;
  }

  /** Why this JVM cannot run the server, as a sentence; empty when it can. */
  public static Optional<String> unavailableReason() {
    String reason = Syscalls.system().unavailableReason();
    return reason.isEmpty() ? Optional.empty() : Optional.of(reason);
  }

  /** The socket the server listens on. */
  public Path path() {
    return bound.path();
  }

  /** The options it runs with. */
  public ServerOptions options() {
    return options;
  }

  /** Its counters so far. */
  public ServerStats stats() {
    return events.stats();
  }

  /** Whether crashes are still taken: not closed, and the accept loop has not died. */
  public boolean accepting() {
    return !closed.get() && acceptThread.isAlive();
  }

  private void acceptLoop() {
    try {
      while (takeIdleWorker()) {
        int fd = nextConnection();
        if (fd < 0) {
          idleWorkers.release();
          return;
        }
        dispatch(fd);
      }
    } catch (IOException | RuntimeException e) {
      events.failed("the accept loop stopped, no more cores are received: " + e.getMessage());
    }
  }

  private boolean takeIdleWorker() {
    try {
      if (!draining) {
        idleWorkers.acquire();
        return true;
      }
      long left = drainUntilNanos - System.nanoTime();
      return idleWorkers.tryAcquire(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The next accepted socket; -1 once closing and the backlog is empty. */
  private int nextConnection() throws IOException {
    int[] both = {bound.fd(), wakePipe[0]};
    int[] listenOnly = {bound.fd()};
    while (true) {
      boolean drain = draining;
      short[] ready = sys.poll(drain ? listenOnly : both, Linux.POLLIN, drain ? 0 : -1);
      if (!drain && ready[1] != 0) {
        continue; // close() woke us: drain what the backlog holds
      }
      if (ready[0] == 0) {
        if (drain) {
          return -1;
        }
        continue;
      }
      try {
        return sys.accept(bound.fd());
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EAGAIN && e.errno() != Errno.ECONNABORTED) {
          // EMFILE and friends: the crash stays in the backlog; retry soon, do not spin.
          events.failed("accepting a coredump connection failed: " + e.getMessage());
          sys.poll(listenOnly, (short) 0, 100);
        }
      }
    }
  }

  private void dispatch(int fd) {
    Connection conn =
        new Connection(
            sys,
            fd,
            ++nextId,
            Deadline.after(
                options.connectionDeadline(),
                "the connection deadline (" + options.connectionDeadline() + ")"));
    live.add(conn);
    events.opened();
    ScheduledFuture<?> timer =
        watchdog.schedule(
            () ->
                conn.abort("the connection deadline (" + options.connectionDeadline() + ") passed"),
            Deadline.nanos(options.connectionDeadline()),
            TimeUnit.NANOSECONDS);
    ConnectionWorker worker = new ConnectionWorker(sys, conn, options, handler, events);
    Runnable done =
        () -> {
          timer.cancel(false);
          live.remove(conn);
          events.closed();
          idleWorkers.release();
        };
    try {
      workers.execute(
          () -> {
            try {
              worker.run();
            } finally {
              done.run();
            }
          });
    } catch (RejectedExecutionException e) {
      // close() gave up on this thread and shut the pool: the crash gets no core
      conn.close();
      done.run();
    }
  }

  /**
   * Stops taking new crashes (the socket file goes first, so the kernel finds no listener), serves
   * what the backlog already holds and lets connections finish for the close grace, then aborts the
   * rest (their cores are truncated) and closes the socket.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline =
        System.nanoTime() + Math.min(Deadline.nanos(options.closeGrace()), Long.MAX_VALUE / 4);
    try {
      SocketBinder.unlink(bound);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not remove " + bound.path() + ": " + e);
    }
    drainUntilNanos = deadline;
    draining = true;
    wake();
    try {
      acceptThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      acceptThread.interrupt();
      acceptThread.join(1000);
      workers.shutdown();
      long left = Math.max(0, deadline - System.nanoTime());
      if (!workers.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        live.forEach(c -> c.abort("the server closed"));
        workers.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      live.forEach(c -> c.abort("the server closed"));
    } finally {
      watchdog.shutdownNow();
      workers.shutdownNow();
      SocketBinder.closeQuietly(sys, bound.fd());
      SocketBinder.closeQuietly(sys, wakePipe[0]);
      SocketBinder.closeQuietly(sys, wakePipe[1]);
    }
  }

  private void wake() {
    try {
      sys.write(wakePipe[1], ByteBuffer.allocateDirect(1));
    } catch (IOException e) {
      // EAGAIN: the pipe is full, so the accept thread is awake already
    }
  }

  private static ThreadFactory threads(String role) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "coroner-receiver-" + role + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
