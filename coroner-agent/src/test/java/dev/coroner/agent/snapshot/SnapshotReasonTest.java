package dev.coroner.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The engine's exit codes as the status's reason words, and each word's exit code. */
class SnapshotReasonTest {
  @Test
  void theEnginesCodesMapToTheirWords() {
    assertThat(SnapshotReason.of(ExitCode.SNAPSHOT_REFUSED).word())
        .isEqualTo(CoreDumpSnapshotStatus.PTRACE_REFUSED);
    assertThat(SnapshotReason.of(ExitCode.PROCESS_EXITED).word())
        .isEqualTo(CoreDumpSnapshotStatus.PROCESS_EXITED);
    // The container's process, found a moment before, is gone.
    assertThat(SnapshotReason.of(ExitCode.NOT_FOUND).word())
        .isEqualTo(CoreDumpSnapshotStatus.PROCESS_EXITED);
    for (ExitCode other :
        new ExitCode[] {
          ExitCode.FAILURE, ExitCode.USAGE, ExitCode.NOT_WRITTEN, ExitCode.INTERNAL, ExitCode.OK
        }) {
      assertThat(SnapshotReason.of(other).word()).isEqualTo(CoreDumpSnapshotStatus.SNAPSHOT_FAILED);
    }
  }

  @Test
  void everyWordIsTheResourcesAndHasAFailingExitCode() {
    assertThat(Arrays.stream(SnapshotReason.values()).map(SnapshotReason::word))
        .containsExactlyInAnyOrder(
            CoreDumpSnapshotStatus.INVALID,
            CoreDumpSnapshotStatus.NO_SUCH_POD,
            CoreDumpSnapshotStatus.NOT_THIS_NODE,
            CoreDumpSnapshotStatus.NO_SUCH_CONTAINER,
            CoreDumpSnapshotStatus.UNSUPPORTED,
            CoreDumpSnapshotStatus.PTRACE_REFUSED,
            CoreDumpSnapshotStatus.PROCESS_EXITED,
            CoreDumpSnapshotStatus.RATE_LIMITED,
            CoreDumpSnapshotStatus.SNAPSHOT_FAILED);
    assertThat(SnapshotReason.values()).allMatch(r -> r.exitCode() != ExitCode.OK);
    assertThat(SnapshotReason.NO_SUCH_POD.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(SnapshotReason.PTRACE_REFUSED.exitCode()).isEqualTo(ExitCode.SNAPSHOT_REFUSED);
  }
}
