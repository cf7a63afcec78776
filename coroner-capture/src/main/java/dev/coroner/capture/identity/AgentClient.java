package dev.coroner.capture.identity;

import dev.coroner.dump.DumpInfo.PodInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Asks the node agent, over its unix socket, who the crashed container belongs to and what to keep.
 * The whole exchange has one deadline: the dying process waits while we ask, so a slow or absent
 * agent costs at most the timeout and the capture goes on with the pod "unknown".
 */
public final class AgentClient {
  /** The agent answered too late, not at all, or with something unreadable. */
  public static final class NoAnswerException extends Exception {
    private static final long serialVersionUID = 1L;

    NoAnswerException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /** Replies are small (a log tail of a few hundred lines); this bounds a runaway peer. */
  private static final int MAX_REPLY = 4 << 20;

  private AgentClient() {}

  /**
   * Loads and runs once what {@link #ask} needs (unix socket channels, the selector, the wire
   * format), so that neither the dying process nor the agent's deadline pays for class loading. Run
   * on the prewarm thread; the installer's training run puts these classes in the archive.
   */
  public static void warmUp() {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      selector.selectNow();
      UnixDomainSocketAddress.of("/");
    } catch (IOException e) {
      // warming only
    }
    PodInfo pod =
        new PodInfo("ns", "pod", "uid", "c", "img", "sha256:0", 0, "n", Map.of("k", "v"), Map.of());
    String text = new CrashVerdict(Decision.CAPTURE, null, pod, "log").encode();
    CrashVerdict.decode(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    CrashQuery.decode(new CrashQuery("u", "0".repeat(64), 1, "e", 6).encode());
  }

  /** Asks the agent at {@code socket} about a crash, waiting at most {@code timeout}. */
  public static CrashVerdict ask(Path socket, CrashQuery query, Duration timeout)
      throws NoAnswerException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      // A unix socket connects at once or fails at once (no listener: ENOENT / ECONNREFUSED).
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.configureBlocking(false);
      ByteBuffer out = ByteBuffer.wrap(query.encode().getBytes(StandardCharsets.UTF_8));
      SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
      ByteArrayOutputStream in = new ByteArrayOutputStream(4096);
      ByteBuffer buf = ByteBuffer.allocate(16 << 10);
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new NoAnswerException("no answer within " + timeout.toMillis() + " ms", null);
        }
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
        if (key.isWritable() && out.hasRemaining()) {
          ch.write(out);
          if (!out.hasRemaining()) {
            // End of request: the agent reads until EOF, answers, then closes.
            ch.shutdownOutput();
            key.interestOps(SelectionKey.OP_READ);
          }
        } else if (key.isReadable()) {
          int n = ch.read(buf);
          if (n < 0) {
            break;
          }
          in.write(buf.array(), 0, buf.position());
          buf.clear();
          if (in.size() > MAX_REPLY) {
            throw new NoAnswerException("answer larger than " + MAX_REPLY + " bytes", null);
          }
        }
      }
      // Both ends write Properties text as UTF-8 (Properties.store to a Writer does not escape).
      return CrashVerdict.decode(in.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new NoAnswerException("cannot ask the agent at " + socket + ": " + e, e);
    } catch (IllegalArgumentException e) {
      throw new NoAnswerException("unreadable answer from the agent: " + e.getMessage(), e);
    }
  }
}
