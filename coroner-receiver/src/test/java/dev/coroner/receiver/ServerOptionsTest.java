package dev.coroner.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.receiver.kernel.SocketPattern;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerOptionsTest {
  private final Path socket = Path.of("/run/coroner/kernel.sock");

  @Test
  void defaults() {
    ServerOptions o = ServerOptions.of(socket);
    assertThat(o.pattern()).isEqualTo(SocketPattern.REQUEST);
    assertThat(o.workers()).isEqualTo(2);
    int somaxconn = dev.coroner.receiver.kernel.KernelSupport.host().somaxconn();
    assertThat(o.backlog()).isEqualTo(somaxconn > 0 ? Math.min(4096, somaxconn) : 4096);
    assertThat(o.backlog()).as("not the first digit of somaxconn").isGreaterThan(9);
    assertThat(o.connectionDeadline()).isEqualTo(Duration.ofMinutes(10));
    assertThat(o.closeGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.listener()).isSameAs(ServerListener.NONE);
    assertThat(o.pattern().corePattern(socket)).isEqualTo("@@/run/coroner/kernel.sock");
    assertThat(SocketPattern.STREAM.corePattern(socket)).isEqualTo("@/run/coroner/kernel.sock");
  }

  @Test
  void withersChangeOneThing() {
    ServerOptions o =
        ServerOptions.of(socket)
            .withWorkers(8)
            .withBacklog(16)
            .withPattern(SocketPattern.STREAM)
            .withConnectionDeadline(Duration.ofSeconds(5))
            .withCloseGrace(Duration.ofSeconds(1));
    assertThat(o.workers()).isEqualTo(8);
    assertThat(o.backlog()).isEqualTo(16);
    assertThat(o.pattern()).isEqualTo(SocketPattern.STREAM);
    assertThat(o.connectionDeadline()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.closeGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.socket()).isEqualTo(socket);
  }

  @Test
  void nonsenseIsRefused() {
    ServerOptions o = ServerOptions.of(socket);
    assertThatThrownBy(() -> o.withWorkers(0)).hasMessage("workers must be at least 1: 0");
    assertThatThrownBy(() -> o.withBacklog(0)).hasMessage("backlog must be at least 1: 0");
    assertThatThrownBy(() -> o.withConnectionDeadline(Duration.ZERO))
        .hasMessage("connectionDeadline must be positive: PT0S");
    assertThatThrownBy(() -> o.withCloseGrace(Duration.ofSeconds(-1)))
        .hasMessageContaining("closeGrace must be positive");
  }
}
