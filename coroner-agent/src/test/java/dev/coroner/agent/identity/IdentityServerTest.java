package dev.coroner.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The composer's socket: one query in, one verdict out; stuck clients do not block others. */
class IdentityServerTest {
  private static final String ID = "ab".repeat(32);

  @TempDir Path tmp;

  private final CrashTriage triage =
      new CrashTriage(
          id ->
              new ContainerMetadata(
                  id,
                  "app",
                  "img:1",
                  "img@sha256:" + "0".repeat(64),
                  "web",
                  "shop",
                  "uid-1",
                  Map.of(CapturePolicy.KEY, "true"),
                  Map.of(),
                  Map.of(),
                  2,
                  List.of("hello", "world"),
                  null,
                  null),
          "node-1",
          new CrashTriage.Rules(
              new CapturePolicy(false, Set.of(), Set.of("kube-system")),
              new FloodControl(0, Duration.ofHours(1), Clock.systemUTC()),
              CrashTriage::containerWorkload),
          new AgentMetrics());

  @Test
  void answersWithThePodAndTheLog() throws Exception {
    Path socket = tmp.resolve("run/agent.sock");
    try (IdentityServer server = IdentityServer.start(socket, triage)) {
      assertThat(Files.getPosixFilePermissions(socket))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.getPosixFilePermissions(socket.getParent()))
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
      CrashVerdict v = ask(socket);
      assertThat(v.decision()).isEqualTo(Decision.CAPTURE);
      assertThat(v.pod().qualifiedName()).isEqualTo("shop/web");
      assertThat(v.pod().node()).isEqualTo("node-1");
      assertThat(v.pod().imageDigest()).isEqualTo("sha256:" + "0".repeat(64));
      assertThat(v.log()).isEqualTo("hello\nworld");
    }
    assertThat(socket).as("removed on close").doesNotExist();
  }

  @Test
  void clientsThatNeverFinishDoNotBlockTheNext() throws Exception {
    Path socket = tmp.resolve("agent.sock");
    List<SocketChannel> stuck = new ArrayList<>();
    try (IdentityServer server = IdentityServer.start(socket, triage, Duration.ofMillis(300))) {
      // More silent connections than the server has workers.
      for (int i = 0; i < 3; i++) {
        stuck.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
      }
      CrashVerdict v =
          await().atMost(Duration.ofSeconds(10)).until(() -> ask(socket), x -> x != null);
      assertThat(v.pod()).isNotNull();
    } finally {
      for (SocketChannel c : stuck) {
        c.close();
      }
    }
  }

  @Test
  void aStaleSocketFileIsReplaced() throws Exception {
    Path socket = tmp.resolve("agent.sock");
    Files.createFile(socket);
    try (IdentityServer server = IdentityServer.start(socket, triage)) {
      assertThat(ask(socket).decision()).isEqualTo(Decision.CAPTURE);
    }
  }

  private static CrashVerdict ask(Path socket) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(
          ByteBuffer.wrap(
              new CrashQuery("u", ID, 42, "node", 11).encode().getBytes(StandardCharsets.UTF_8)));
      ch.shutdownOutput();
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      while (ch.read(buf) >= 0) {
        if (!buf.hasRemaining()) {
          break;
        }
      }
      return CrashVerdict.decode(
          new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
    }
  }
}
