package dev.coroner.cli.dumps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.errors.CliException;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.StoredDump;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Advice to delete evidence comes from damage only, never from permission or version. */
class StoreErrorsUnreadableTest {
  private static CliException of(DumpProblem.Kind kind) {
    return StoreErrors.unreadable(
        new StoredDump(
            "d",
            1,
            Instant.EPOCH,
            new DumpLocation.LocalFile(Path.of("/d/d.zip")),
            null,
            new DumpProblem(kind, "detail")));
  }

  @Test
  void onlyDamageSuggestsRemovingTheDump() {
    assertThat(of(DumpProblem.Kind.DAMAGED).getMessage())
        .contains("damaged")
        .contains("coroner rm");
    for (DumpProblem.Kind k :
        new DumpProblem.Kind[] {
          DumpProblem.Kind.PERMISSION,
          DumpProblem.Kind.NEWER_SCHEMA,
          DumpProblem.Kind.FOREIGN,
          DumpProblem.Kind.GONE
        }) {
      assertThat(of(k).getMessage())
          .as(k.name())
          .doesNotContain("coroner rm")
          .doesNotContain("damaged")
          .doesNotContain("corrupt");
    }
    assertThat(of(DumpProblem.Kind.PERMISSION).getMessage())
        .contains("permission denied")
        .contains("run as root");
    assertThat(of(DumpProblem.Kind.PERMISSION).exitCode()).isEqualTo(CliException.UNREACHABLE);
    assertThat(of(DumpProblem.Kind.NEWER_SCHEMA).getMessage()).contains("upgrade coroner");
    assertThat(of(DumpProblem.Kind.FOREIGN).getMessage()).contains("not written by coroner");
  }
}
