package dev.coroner.agent.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriSocketsTest {
  @TempDir Path host;

  private final List<ServerSocketChannel> servers = new ArrayList<>();

  @AfterEach
  void closeServers() throws IOException {
    for (ServerSocketChannel server : servers) {
      server.close();
    }
  }

  @Test
  void findsTheFirstKnownSocketUnderTheHostRoot() throws Exception {
    listen(host.resolve("run/crio/crio.sock"));
    listen(host.resolve("var/run/cri-dockerd.sock"));

    assertThat(CriSockets.find(host, Optional.empty()))
        .isEqualTo(host.resolve("run/crio/crio.sock"));
  }

  @Test
  void skipsFilesThatAreNotSockets() throws Exception {
    Path plain = host.resolve("run/containerd/containerd.sock");
    Files.createDirectories(plain.getParent());
    Files.writeString(plain, "not a socket");
    listen(host.resolve("var/run/cri-dockerd.sock"));

    assertThat(CriSockets.find(host, Optional.empty()))
        .isEqualTo(host.resolve("var/run/cri-dockerd.sock"));
  }

  @Test
  void namesEveryPathItTried() {
    assertThatThrownBy(() -> CriSockets.find(host, Optional.empty()))
        .isInstanceOf(CriUnavailableException.class)
        .hasMessageContaining(host.resolve("run/containerd/containerd.sock").toString())
        .hasMessageContaining(host.resolve("run/crio/crio.sock").toString())
        .hasMessageContaining(host.resolve("var/run/cri-dockerd.sock").toString());
  }

  @Test
  void takesAConfiguredSocketOrEndpoint() throws Exception {
    listen(host.resolve("opt/rt/cri.sock"));

    assertThat(CriSockets.find(host, Optional.of("/opt/rt/cri.sock")))
        .isEqualTo(host.resolve("opt/rt/cri.sock"));
    assertThat(CriSockets.find(host, Optional.of("unix:///opt/rt/cri.sock")))
        .isEqualTo(host.resolve("opt/rt/cri.sock"));
    assertThatThrownBy(() -> CriSockets.find(host, Optional.of("/missing.sock")))
        .isInstanceOf(CriUnavailableException.class)
        .hasMessageContaining(host.resolve("missing.sock").toString());
  }

  private void listen(Path socket) throws IOException {
    Files.createDirectories(socket.getParent());
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    servers.add(server);
    server.bind(UnixDomainSocketAddress.of(socket));
  }
}
