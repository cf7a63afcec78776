package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the agent reads the host's files from (kept binaries, the analysis's executables). */
class HostRootTest {
  @TempDir Path tmp;

  @Test
  void theFirstRootThatCanBeReadIsTheHostsElseSlash() throws Exception {
    Path unreadable = tmp.resolve("init-root"); // as this VM's init: not even root may look
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Path kthreadd = Files.createDirectory(tmp.resolve("kthreadd-root"));
    Files.createDirectory(kthreadd.resolve("usr"));

    assertThat(Agent.hostRoot(List.of(unreadable, empty, kthreadd))).isEqualTo(kthreadd);
    assertThat(Agent.hostRoot(List.of(kthreadd, empty))).isEqualTo(kthreadd);
    assertThat(Agent.hostRoot(List.of(unreadable, empty))).isEqualTo(Path.of("/"));
  }

  @Test
  void onThisMachineKthreaddsRootIsTheHostsWhenInitsIsRefused() {
    Path root = Agent.hostRoot(List.of(Path.of("/proc/1/root"), Path.of("/proc/2/root")));
    assertThat(root.resolve("etc/os-release")).exists();
    assertThat(root).isNotEqualTo(Path.of("/"));
  }
}
