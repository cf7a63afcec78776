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
    assertThat(info.err()).contains("dump " + name + " is corrupted").contains("coroner rm");
    assertOneLine(info);
    CliRun list = CliRun.of("list", "--store", store.toString());
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("corrupt");
    assertThat(CliRun.of("get", "latest", "--store", store.toString(), "-d", tmp.toString()).code())
        .isEqualTo(1);
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
    assertThat(r.err()).contains("permission denied").contains("run coroner as root");
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
