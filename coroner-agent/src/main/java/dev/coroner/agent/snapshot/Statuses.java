package dev.coroner.agent.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import dev.coroner.snapshot.SnapshotResult;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The statuses a request goes through, each holding only the fields that change (they are merged
 * into what is there): taken, waiting, written, then succeeded or failed.
 */
final class Statuses {
  private Statuses() {}

  /** Taken by the agent on {@code node}. */
  static CoreDumpSnapshotStatus running(String node, @Nullable String startedAt) {
    return new CoreDumpSnapshotStatus(
        CoreDumpSnapshotStatus.RUNNING,
        null,
        "Taken by the agent on node " + node + ".",
        node,
        null,
        null,
        null,
        null,
        null,
        null,
        startedAt,
        null);
  }

  /** A new message alone (the request waits its turn). */
  static CoreDumpSnapshotStatus message(String message) {
    return new CoreDumpSnapshotStatus(
        null, null, message, null, null, null, null, null, null, null, null, null);
  }

  /** The dump is written; its upload follows. */
  static CoreDumpSnapshotStatus written(SnapshotResult r) {
    DumpInfo info = r.info();
    return new CoreDumpSnapshotStatus(
        null,
        null,
        "Dump " + info.name() + " written (frozen " + ms(r.freezeMicros()) + "); uploading it.",
        null,
        info.process().hostPid(),
        null,
        info.name(),
        null,
        r.freezeMicros(),
        info.core().size(),
        null,
        null);
  }

  /** The dump {@code upload} is in the store: the request has succeeded. */
  static CoreDumpSnapshotStatus succeeded(
      SnapshotReconciler.Request r, DumpInfo upload, String completedAt) {
    DumpInfo.SnapshotInfo snap = upload.snapshot();
    Long freeze = snap == null ? null : snap.freezeMicros();
    boolean truncated = upload.integrity().truncated();
    String what = r.target == null ? "The snapshot" : "The snapshot of the " + r.target.describe();
    String message =
        what
            + " (pid "
            + upload.process().hostPid()
            + ") is uploaded as dump "
            + upload.name()
            + (freeze == null ? "" : "; the process was frozen " + ms(freeze))
            + ", core "
            + ByteSizes.format(upload.core().size())
            + "."
            + (truncated
                ? " Its core is incomplete: " + SafeText.line(upload.integrity().reason()) + "."
                : "")
            + " Open it: coroner debug "
            + upload.name();
    return new CoreDumpSnapshotStatus(
        CoreDumpSnapshotStatus.SUCCEEDED,
        null,
        message,
        null,
        upload.process().hostPid(),
        truncated ? ExitCode.DUMP_TRUNCATED.code() : null,
        upload.name(),
        upload.uuid(),
        freeze,
        upload.core().size(),
        null,
        completedAt);
  }

  /** No dump, for the reason {@code f} gives. */
  static CoreDumpSnapshotStatus failed(
      SnapshotReconciler.Request r, SnapshotFailure f, String completedAt) {
    return new CoreDumpSnapshotStatus(
        CoreDumpSnapshotStatus.FAILED,
        f.reason().word(),
        f.getMessage(),
        null,
        r.target == null ? null : (long) r.target.pid(),
        f.exitCode().code(),
        null,
        null,
        null,
        null,
        null,
        completedAt);
  }

  private static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
  }
}
