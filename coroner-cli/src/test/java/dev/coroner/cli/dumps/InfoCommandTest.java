package dev.coroner.cli.dumps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.TestDumps;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What `coroner info` says about who crashed. */
class InfoCommandTest {
  private static final Instant T = Instant.parse("2026-11-27T08:55:15Z");

  @Test
  void showsThePodTheRuntimeNamedAndWhereTheLogIs() {
    DumpInfo.PodInfo pod =
        new DumpInfo.PodInfo(
            "shop",
            "web-7d9f",
            "uid-9",
            "app",
            "registry/app:1",
            "sha256:abc",
            4,
            "node-1",
            Map.of("app", "web"),
            Map.of());
    StoredDump d = TestDumps.dump("9179c3b0-0000-0000-0000-000000000000", T, "node", 5, pod, false);
    DumpInfo s = d.info();
    DumpInfo info =
        new DumpInfo(
            s.schemaVersion(),
            s.uuid(),
            s.name(),
            s.timestamp(),
            s.hostname(),
            s.nodeHostname(),
            s.process(),
            s.pod(),
            s.core(),
            s.integrity(),
            List.of("proc/cmdline", "container.log", s.core().entry()),
            s.composer());
    assertThat(InfoCommand.describe(d, info, ZoneOffset.UTC))
        .contains("shop/web-7d9f (uid uid-9)")
        .contains("app, 4 restarts before")
        .contains("registry/app:1 (sha256:abc)")
        .contains("node-1")
        .contains("app=web")
        .contains("coroner get " + info.name() + " --extract");
  }

  @Test
  void saysWhenTheRuntimeDidNotAnswer() {
    DumpInfo.PodInfo pod = new DumpInfo.PodInfo("shop", "web", "uid", "app", "img");
    StoredDump d = TestDumps.dump("9179c3b0-0000-0000-0000-000000000000", T, "node", 5, pod, false);
    DumpInfo unknown = d.info().withPod(null);
    assertThat(InfoCommand.describe(d, unknown, ZoneOffset.UTC))
        .contains("unknown (the container runtime did not answer in time)")
        .doesNotContain("Container log");
  }
}
