package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dump commands on bad input: each failure is one line on stderr with the documented exit code,
 * and never a stack trace.
 */
class DumpErrorsIT {
  @TempDir Path tmp;

  @Test
  void unknownReferenceExits3WithAHint() throws Exception {
    Path store = Files.createDirectory(tmp.resolve("dumps"));
    CliRun r = CliRun.of("info", "abc", "--store", store.toString());
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err().strip())
        .isEqualTo(
            "coroner: no dump 'abc' in "
                + store.toUri()
                + "; run 'coroner list' to see what is there");
    assertThat(CliRun.of("debug", "latest", "--store", store.toString()).err())
        .contains("no dumps in");
  }

  @Test
  void corruptedZipExits1AndNamesTheDump() throws Exception {
    Path store = Files.createDirectory(tmp.resolve("dumps"));
    String name = "0badc0de-0000-0000-0000-000000000000-dump-1-h-node-1-11";
    Files.write(store.resolve(name + ".zip"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});
    CliRun info = CliRun.of("info", "0badc0de", "--store", store.toString());
    assertThat(info.code()).isEqualTo(1);
    assertThat(info.err()).contains("dump " + name + " is damaged").contains("coroner rm");
    assertOneLine(info);
    CliRun list = CliRun.of("list", "--store", store.toString());
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("corrupt");
    assertThat(CliRun.of("get", "latest", "--store", store.toString(), "-d", tmp.toString()).code())
        .isEqualTo(1);
  }

  @Test
  void rmByReferenceAndByAge() throws Exception {
    Path store = Files.createDirectory(tmp.resolve("dumps"));
    Path old =
        Files.write(
            store.resolve("aaaa0000-0000-0000-0000-000000000000-dump-1-h-x-1-6.zip"), new byte[1]);
    Path mid =
        Files.write(
            store.resolve("bbbb0000-0000-0000-0000-000000000000-dump-1-h-x-1-6.zip"), new byte[1]);
    Path fresh =
        Files.write(
            store.resolve("cccc0000-0000-0000-0000-000000000000-dump-1-h-x-1-6.zip"), new byte[1]);
    // Unreadable dumps are dated by their file time.
    Files.setLastModifiedTime(
        old,
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(java.time.Duration.ofDays(10))));
    CliRun dry = CliRun.of("rm", "--older-than", "7d", "--dry-run", "--store", store.toString());
    assertThat(dry.out()).contains("would remove aaaa0000");
    assertThat(old).exists();
    CliRun aged = CliRun.of("rm", "--older-than", "7d", "--store", store.toString());
    assertThat(aged.code()).isZero();
    assertThat(aged.out()).contains("removed aaaa0000").doesNotContain("bbbb");
    assertThat(old).doesNotExist();
    CliRun unknown = CliRun.of("rm", "bbbb", "zzzz", "--store", store.toString());
    assertThat(unknown.code()).isEqualTo(3);
    assertThat(mid).as("one unknown reference deletes nothing").exists();
    CliRun named = CliRun.of("rm", "bbbb", "cccc", "--store", store.toString());
    assertThat(named.code()).isZero();
    assertThat(mid).doesNotExist();
    assertThat(fresh).doesNotExist();
  }

  @Test
  void missingStoreDirectoryExits4() {
    CliRun r = CliRun.of("list", "--store", tmp.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err()).contains("no dump directory at").contains("coroner install");
    assertOneLine(r);
  }

  @Test
  void noPermissionExits4() throws Exception {
    Path store = Files.createDirectory(tmp.resolve("dumps"));
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
    CliRun r = AsNobody.run(tmp, "list", "--store", store.toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(4);
    assertThat(r.err()).contains("permission denied").contains("run as root");
    assertOneLine(r);
  }

  @Test
  void badStoreUrlIsAUsageError() {
    CliRun r = CliRun.of("list", "--store", "ftp://x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("unknown store 'ftp://x'");
  }

  private static void assertOneLine(CliRun r) {
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
