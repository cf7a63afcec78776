package dev.coroner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.archive.DumpInfoTest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** coredumpctl's ways of naming a dump: a PID, an executable path, a command name. */
class DumpReferenceMatchTest {
  private static StoredDump dump(String uuid, long pid, String exePath, String comm, long t) {
    DumpInfo s = DumpInfoTest.sample();
    var p = s.process();
    DumpInfo info =
        new DumpInfo(
            s.schemaVersion(),
            uuid,
            uuid + "-dump",
            t,
            s.hostname(),
            s.nodeHostname(),
            new DumpInfo.ProcessInfo(
                comm,
                exePath,
                p.cmdline(),
                pid,
                pid + 1000,
                pid,
                pid + 1000,
                0,
                0,
                11,
                null,
                null,
                true),
            null,
            s.core(),
            s.integrity(),
            s.files(),
            s.composer());
    return new StoredDump(
        info.name(),
        1,
        Instant.ofEpochSecond(t),
        new DumpLocation.LocalFile(Path.of("/d/x.zip")),
        info,
        null);
  }

  private static final List<StoredDump> NEWEST_FIRST =
      List.of(
          dump("aaaaaaaa-0000-0000-0000-000000000003", 3887, "/usr/bin/node", "node", 300),
          dump("bbbbbbbb-0000-0000-0000-000000000002", 42, "/opt/app/server", "server", 200),
          dump("cccccccc-0000-0000-0000-000000000001", 3887, "/usr/bin/node", "node", 100));

  @Test
  void aPidAPathOrACommandNamesTheNewestDumpOfIt() throws Exception {
    assertThat(DumpReference.resolve(NEWEST_FIRST, "3887", "s").uuid()).startsWith("aaaaaaaa");
    assertThat(DumpReference.resolve(NEWEST_FIRST, "1042", "s").uuid())
        .as("host pid")
        .startsWith("bbbbbbbb");
    assertThat(DumpReference.resolve(NEWEST_FIRST, "/opt/app/server", "s").uuid())
        .startsWith("bbbbbbbb");
    assertThat(DumpReference.resolve(NEWEST_FIRST, "node", "s").uuid()).startsWith("aaaaaaaa");
    assertThat(DumpReference.resolve(NEWEST_FIRST, "cccc", "s").uuid())
        .as("uuid prefixes still work")
        .startsWith("cccccccc");
    assertThatThrownBy(() -> DumpReference.resolve(NEWEST_FIRST, "/usr/bin/python3", "s"))
        .hasMessageContaining("coroner list");
  }
}
