package dev.coroner.agent.snapshot;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.text.SafeText;
import dev.coroner.capture.DumpAssembly;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.PodInfo;
import dev.coroner.seal.EnvironFile;
import dev.coroner.snapshot.SnapshotException;
import dev.coroner.snapshot.SnapshotListener;
import dev.coroner.snapshot.SnapshotRequest;
import dev.coroner.snapshot.SnapshotResult;
import dev.coroner.snapshot.Snapshotter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one resolved snapshot with the agent's own capture settings, so that the dump lands in the
 * watched dump directory and goes the way of a crash's (analysis, scrub, encryption, verified
 * upload, CoreDump). The dump says what a crash's would: the pod identity as the crash path builds
 * it from the runtime's answer, the container's log tail ({@code container.log}), and beside it the
 * process's environment for the scrub ({@link EnvironFile}).
 */
final class SnapshotTaker {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotTaker.class);

  private final Snapshotter snapshotter;
  private final CaptureSettings capture;
  private final String version;
  private final Function<ContainerMetadata, PodInfo> identity;
  private final SnapshotReconciler.DumpListener listener;
  private final Path proc;

  SnapshotTaker(
      Snapshotter snapshotter,
      CaptureSettings capture,
      String version,
      Function<ContainerMetadata, PodInfo> identity,
      SnapshotReconciler.DumpListener listener) {
    this.snapshotter = snapshotter;
    this.capture = capture;
    this.version = version;
    this.identity = identity;
    this.listener = listener;
    this.proc = Path.of("/proc");
  }

  /** Why this agent cannot take snapshots, or "". */
  String unavailableReason() {
    return snapshotter.unavailableReason();
  }

  /**
   * Takes the snapshot of {@code target}; {@code named} hears the dump's info (its uuid and name)
   * before its zip is published, so that its upload, or the uploader giving up on it, can never be
   * missed.
   */
  SnapshotResult take(SnapshotTarget target, Consumer<DumpInfo> named) throws SnapshotFailure {
    PodInfo pod = identity.apply(target.metadata());
    String log = String.join("\n", target.metadata().logTail());
    Map<String, byte[]> files =
        log.isEmpty()
            ? Map.of()
            : Map.of(DumpAssembly.CONTAINER_LOG, log.getBytes(StandardCharsets.UTF_8));
    SnapshotRequest request =
        new SnapshotRequest(
                target.pid(),
                target.method(),
                capture,
                SnapshotRequest.DEFAULT_STOP_TIMEOUT,
                version,
                null)
            .withAdditions(
                new SnapshotRequest.Additions(files, info -> complete(info, pod, target, named)));
    try {
      return snapshotter.take(request, SnapshotListener.NONE);
    } catch (SnapshotException e) {
      SnapshotReason reason = SnapshotReason.of(e.code());
      throw new SnapshotFailure(reason, e.code(), message(target, e));
    } catch (RuntimeException e) {
      LOG.error("snapshot of {} (pid {}) failed", target.describe(), target.pid(), e);
      throw new SnapshotFailure(
          SnapshotReason.SNAPSHOT_FAILED,
          ExitCode.INTERNAL,
          "The snapshot of the "
              + target.describe()
              + " failed inside the agent ("
              + e.getClass().getSimpleName()
              + "); the agent's log has the details. Ask again; report it if it repeats.");
    }
  }

  /** Dump-info's pod, the environment beside the zip; never throws (the dump comes first). */
  private DumpInfo complete(
      DumpInfo info, PodInfo pod, SnapshotTarget target, Consumer<DumpInfo> named) {
    named.accept(info);
    listener.dumping(info.uuid(), target.pid());
    try {
      byte[] environ = Files.readAllBytes(proc.resolve(target.pid() + "/environ"));
      EnvironFile.write(capture.dumpDir().resolve(info.name() + ".zip"), environ);
    } catch (IOException | RuntimeException e) {
      // The scrub then goes by its rules alone, as for a dump whose side file was lost.
      LOG.warn(
          "the environment of pid {} is not kept for the scrub: {}", target.pid(), e.toString());
    }
    return info.withPod(pod);
  }

  private static String message(SnapshotTarget target, SnapshotException e) {
    String why = String.valueOf(SafeText.line(e.getMessage()));
    // The engine speaks to the command line; a request chooses its method in its spec.
    why = why.replace("--method stop", "spec.method: stop").replaceAll("\\.$", "");
    String advice =
        switch (SnapshotReason.of(e.code())) {
          case PROCESS_EXITED -> " Nothing is left to snapshot; ask again once the container runs.";
          case PTRACE_REFUSED -> " The process was not touched.";
          default -> " The process was left running; ask again.";
        };
    return "The snapshot of the "
        + target.describe()
        + " (pid "
        + target.pid()
        + ") failed: "
        + why
        + "."
        + advice;
  }
}
