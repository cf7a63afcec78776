package dev.coroner.cli.dumps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.cli.errors.CliException;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exit code and the advice come from the failure's kind, never from its words: every kind fails
 * with a message full of other kinds' words. The real stores' kinds are checked in S3StoreIT,
 * LocalStoreTest and DumpErrorsIT.
 */
class StoreErrorsTest {
  /** docs/cli.md's table, per kind. */
  private static final Map<StoreFailure, ExitCode> DOCUMENTED =
      Map.of(
          StoreFailure.CONFIG, ExitCode.USAGE,
          StoreFailure.AUTH, ExitCode.UNREACHABLE,
          StoreFailure.KEY, ExitCode.UNREACHABLE,
          StoreFailure.NO_STORE, ExitCode.UNREACHABLE,
          StoreFailure.UNREACHABLE, ExitCode.UNREACHABLE,
          StoreFailure.PERMISSION, ExitCode.UNREACHABLE,
          StoreFailure.OTHER, ExitCode.UNREACHABLE,
          StoreFailure.NOT_FOUND, ExitCode.NOT_FOUND,
          StoreFailure.INTEGRITY, ExitCode.FAILURE,
          StoreFailure.LOCAL_IO, ExitCode.FAILURE);

  @ParameterizedTest
  @EnumSource(StoreFailure.class)
  void exitCodeAndAdviceFollowTheKind(StoreFailure kind) {
    CliException e =
        StoreErrors.toCli(
            new StoreException(kind, "access denied; does not exist; cannot reach"),
            "s3://crashes/prod/");
    assertThat(e.exitCode()).isEqualTo(DOCUMENTED.get(kind).code());
    assertThat(e.getMessage())
        .startsWith("access denied; does not exist; cannot reach; ")
        .isEqualTo(
            "access denied; does not exist; cannot reach; " + StoreErrors.advice(kind, false));
  }

  @ParameterizedTest
  @EnumSource(StoreFailure.class)
  void everyKindHasAdviceThatNamesWhatToDo(StoreFailure kind) {
    assertThat(StoreErrors.advice(kind, true)).isNotBlank();
    assertThat(StoreErrors.advice(kind, false)).isNotBlank();
  }

  @org.junit.jupiter.api.Test
  void aMissingDumpDirectoryAndAMissingBucketGetTheirOwnAdvice() {
    assertThat(StoreErrors.advice(StoreFailure.NO_STORE, true)).contains("coroner install");
    assertThat(StoreErrors.advice(StoreFailure.NO_STORE, false)).contains("bucket");
    assertThat(StoreErrors.advice(StoreFailure.UNREACHABLE, false)).contains("--s3-endpoint");
  }
}
