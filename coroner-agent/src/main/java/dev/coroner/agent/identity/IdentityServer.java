package dev.coroner.agent.identity;

import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unix socket the composer asks at every container crash: one {@link CrashQuery} in (the
 * composer half-closes after it), one {@link CrashVerdict} out. The socket is 0600 in a 0700
 * directory: only root on the host (the kernel's composer) may ask.
 */
public final class IdentityServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityServer.class);
  private static final int MAX_QUERY = 64 << 10;

  /** A composer waits 1 s by default; a connection open this long is stuck. */
  static final Duration MAX_CONNECTION = Duration.ofSeconds(10);

  private final Path path;
  private final ServerSocketChannel server;
  private final CrashTriage triage;
  // Crashes are rare but may come in bursts (a node-wide failure): a few in parallel, so one slow
  // runtime answer does not queue the next composer behind it.
  private final ExecutorService workers;
  private final Thread acceptor;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("coroner-identity-deadline"));

  private final Duration maxConnection;

  private IdentityServer(
      Path path, ServerSocketChannel server, CrashTriage triage, Duration maxConnection) {
    this.maxConnection = maxConnection;
    this.path = path;
    this.server = server;
    this.triage = triage;
    this.workers = Executors.newFixedThreadPool(2, DaemonThreads.numbered("coroner-identity"));
    this.acceptor = DaemonThreads.create("coroner-identity-accept", this::acceptLoop);
  }

  /** Listens on {@code path}, replacing a socket file a previous agent left behind. */
  public static IdentityServer start(Path path, CrashTriage triage) throws IOException {
    return start(path, triage, MAX_CONNECTION);
  }

  static IdentityServer start(Path path, CrashTriage triage, Duration maxConnection)
      throws IOException {
    Path dir = path.getParent();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    // A killed agent leaves its socket file; binding needs the name free.
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    IdentityServer s = new IdentityServer(path, server, triage, maxConnection);
    s.acceptor.start();
    return s;
  }

  /** The socket the composer asks. */
  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        workers.execute(() -> answer(client));
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.error("identity socket {}: {}", path, e.toString());
        }
        return;
      }
    }
  }

  private void answer(SocketChannel client) {
    // A composer gives up after its own deadline and closes; one that hangs without closing
    // must not hold a worker: past this, the connection is closed under the reader.
    ScheduledFuture<?> deadline =
        timer.schedule(() -> closeQuietly(client), maxConnection.toMillis(), TimeUnit.MILLISECONDS);
    try (client) {
      ByteArrayOutputStream in = new ByteArrayOutputStream(512);
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (client.read(buf) >= 0) {
        in.write(buf.array(), 0, buf.position());
        buf.clear();
        if (in.size() > MAX_QUERY) {
          LOG.warn("identity socket: query larger than {} bytes; ignored", MAX_QUERY);
          return;
        }
      }
      long received = System.nanoTime();
      CrashQuery query = CrashQuery.decode(in.toString(StandardCharsets.UTF_8));
      CrashVerdict verdict = triage.decide(query);
      ByteBuffer out = ByteBuffer.wrap(verdict.encode().getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        client.write(out);
      }
      LOG.info(
          "crash of {} (pid {}, container {}): {}, pod {}; answered in {} ms",
          query.exe(),
          query.hostPid(),
          query.containerId().substring(0, 12),
          verdict.decision().id(),
          verdict.pod() == null ? "unknown" : verdict.pod().qualifiedName(),
          (System.nanoTime() - received) / 1_000_000);
    } catch (IOException e) {
      // The composer gave up (its deadline passed) or died: it captures without us.
      LOG.warn("identity socket: the composer left before the answer: {}", e.toString());
    } catch (IllegalArgumentException e) {
      LOG.warn("identity socket: unreadable query: {}", e.getMessage());
    } finally {
      deadline.cancel(false);
    }
  }

  private static void closeQuietly(SocketChannel client) {
    try {
      client.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    workers.shutdownNow();
    timer.shutdownNow();
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", path, e.toString());
    }
  }
}
