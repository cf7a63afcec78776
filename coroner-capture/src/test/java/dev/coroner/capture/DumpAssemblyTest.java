package dev.coroner.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.capture.identity.CrashVerdict;
import dev.coroner.capture.identity.Decision;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.capture.write.CoreCopier;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.PodInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.elf.TrainingCore;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpAssemblyTest {
  private static final String ID = "0123456789ab" + "0".repeat(52);

  @TempDir Path dir;

  private final CrashFacts facts =
      new CrashFacts(
          4242,
          7,
          4243,
          8,
          11,
          1795770000,
          "web-1",
          "node",
          "/usr/bin/node",
          CrashFacts.UNLIMITED,
          1000,
          1000);

  @Test
  void aHostCrashIsNamedWithHostAndGetsTheProcessFields() throws Exception {
    var proc = proc(null);
    var dump = DumpAssembly.of(settings(), crash(proc, keep()), new ArrayList<>(List.of("w1")));

    assertThat(dump.name()).isEqualTo("u-1-dump-1795770000-web-1-node-7-11");
    var written = dump.write(core(), CoreCopier::sha256, () -> {}, producer(), log());

    DumpInfo info = written.info();
    assertThat(written.file()).isEqualTo(dir.resolve("d/" + dump.name() + ".zip"));
    assertThat(info.process().pid()).isEqualTo(7);
    assertThat(info.process().hostPid()).isEqualTo(4242);
    assertThat(info.process().tid()).isEqualTo(8);
    assertThat(info.process().hostTid()).isEqualTo(4243);
    assertThat(info.process().coreLimit()).isEqualTo("unlimited");
    assertThat(info.process().exePath()).isEqualTo("/usr/bin/node");
    assertThat(info.nodeHostname()).isEqualTo("node-a");
    assertThat(info.composer().version()).isEqualTo("9.9");
    assertThat(info.composer().warnings()).containsExactly("w1");
    assertThat(info.integrity().truncated()).isFalse();
    assertThat(info.files()).contains("proc/status", dump.name() + ".core.zst");
    assertThat(DumpAssembly.describe(written)).endsWith(", complete");
  }

  @Test
  void aContainerCrashIsNamedByItsPodAndKeepsTheLog() throws Exception {
    var pod = new PodInfo("shop", "web-1", "uid-1", "app", "img");
    var verdict = new CrashVerdict(Decision.CAPTURE, null, pod, "line 1\nline 2");
    var dump =
        DumpAssembly.of(
            settings("{uuid}-{namespace}-{pod}-{container}"),
            crash(proc(ID), verdict),
            new ArrayList<>());
    assertThat(dump.name()).isEqualTo("u-1-shop-web-1-app");
    assertThat(dump.files()).containsKey(DumpAssembly.CONTAINER_LOG);
  }

  @Test
  void aContainerWithoutAPodIsNamedByItsShortId() {
    var dump =
        DumpAssembly.of(settings("{uuid}-{container}"), crash(proc(ID), keep()), new ArrayList<>());
    assertThat(dump.name()).isEqualTo("u-1-0123456789ab");
  }

  @Test
  void metadataOnlyKeepsNoCoreAndSaysFlood() throws Exception {
    var verdict = new CrashVerdict(Decision.METADATA_ONLY, "3 cores in 10m", null, "");
    var dump = DumpAssembly.of(settings(), crash(proc(ID), verdict), new ArrayList<>());
    var written = dump.write(null, CoreCopier::sha256, () -> {}, producer(), log());
    assertThat(written.info().core().entry()).isNull();
    assertThat(written.info().integrity().cause()).isEqualTo(IntegrityCause.FLOOD);
    assertThat(written.info().integrity().detail()).isEqualTo("3 cores in 10m");
  }

  @Test
  void anOpenDumpDirectoryIsNarrowedBeforeTheDump() throws Exception {
    Path dumps = Files.createDirectories(dir.resolve("d"));
    Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
    var dump = DumpAssembly.of(settings(), crash(proc(null), keep()), new ArrayList<>());
    var written = dump.write(core(), CoreCopier::sha256, () -> {}, producer(), log());
    assertPrivate(dumps, "rwx", "r-x");
    assertPrivate(written.file(), "rw-", "r--");
  }

  /**
   * Only the owner, and the crashed process's owner (uid 1000) through the ACL OwnerAcl sets, may
   * use {@code p}: with an ACL the mode's group bits show the ACL's mask, so read the ACL itself.
   */
  private static void assertPrivate(Path p, String owner, String crashedOwner) throws Exception {
    Path getfacl = Path.of("/usr/bin/getfacl");
    if (!Files.isExecutable(getfacl)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
          .isEqualTo(owner + "------");
      return;
    }
    Process q = new ProcessBuilder(getfacl.toString(), "-p", "-n", "-E", p.toString()).start();
    String acl =
        new String(q.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(q.waitFor()).isZero();
    assertThat(acl.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList())
        .as(acl)
        .containsExactlyInAnyOrder(
            "user::" + owner,
            "user:1000:" + crashedOwner,
            "group::---",
            "mask::" + crashedOwner,
            "other::---");
  }

  private CaptureSettings settings() {
    return CaptureSettings.defaults().withDumpDir(dir.resolve("d"));
  }

  private CaptureSettings settings(String template) {
    var p = settings().toProperties();
    p.setProperty("name.template", template);
    return CaptureSettings.fromProperties(p).settings();
  }

  private DumpAssembly.Crash crash(ProcSnapshot proc, CrashVerdict verdict) {
    return new DumpAssembly.Crash("u-1", facts, proc, verdict);
  }

  private static CrashVerdict keep() {
    return new CrashVerdict(Decision.CAPTURE, null, null, "");
  }

  private static ProcSnapshot proc(String containerId) {
    return new ProcSnapshot(
        Map.of(
            "proc/status",
            "Name:\tnode\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        "/usr/bin/node",
        List.of("node", "index.js"),
        containerId,
        1000,
        1000,
        true,
        List.of());
  }

  private static java.nio.channels.ReadableByteChannel core() {
    return Channels.newChannel(new ByteArrayInputStream(TrainingCore.of(1 << 20)));
  }

  private static DumpAssembly.Producer producer() {
    return new DumpAssembly.Producer("9.9", System.nanoTime(), "node-a");
  }

  private CaptureLog log() {
    return CaptureLog.open(dir.resolve("log"));
  }
}
