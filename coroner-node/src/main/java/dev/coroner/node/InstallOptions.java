package dev.coroner.node;

import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.receiver.service.ReceiverConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code coroner install} (and the agent's node setup) lays down.
 *
 * @param prefix where the composer, its runtime and its config go
 * @param procSys the kernel's {@code /proc/sys} (the host's, as the agent sees it)
 * @param javaHome the JDK whose runtime the composer gets (jlinked into the prefix), and the
 *     receiver too in socket mode (it needs 22+)
 * @param composerJars the composer, coroner-core and zstd-jni jars
 * @param capture the composer's settings, written to {@code composer.properties}
 * @param pipeLimit the value for {@code kernel.core_pipe_limit}; at least 1
 * @param mode the pipe composer alone, or the socket receiver in front of it ({@link
 *     CaptureMode#AUTO}: the socket where this host allows it)
 * @param receiverJars the receiver's jars (with the capture engine's), for socket mode
 * @param receiverWorkers crashes the receiver captures at once; more wait in the kernel's backlog
 * @param receiverReadAheadMib the receiver's read-ahead in MiB (0 to 1024; 0 turns it off): a crash
 *     whose core fits is released before its hash and compression run
 */
public record InstallOptions(
    Path prefix,
    Path procSys,
    Path javaHome,
    List<Path> composerJars,
    CaptureSettings capture,
    int pipeLimit,
    CaptureMode mode,
    List<Path> receiverJars,
    int receiverWorkers,
    int receiverReadAheadMib) {

  public static final Path DEFAULT_PREFIX = Path.of("/opt/coroner");
  public static final Path PROC_SYS = Path.of("/proc/sys");
  public static final int DEFAULT_RECEIVER_WORKERS = 2;
  public static final int DEFAULT_RECEIVER_READ_AHEAD_MIB = ReceiverConfig.DEFAULT_READ_AHEAD_MIB;
  public static final int MAX_RECEIVER_READ_AHEAD_MIB = ReceiverConfig.MAX_READ_AHEAD_MIB;

  public InstallOptions {
    composerJars = List.copyOf(composerJars);
    receiverJars = List.copyOf(receiverJars);
    if (pipeLimit < 1) {
      throw new IllegalArgumentException("core_pipe_limit must be at least 1: " + pipeLimit);
    }
    if (receiverWorkers < 1 || receiverWorkers > 64) {
      throw new IllegalArgumentException("receiver workers must be 1 to 64: " + receiverWorkers);
    }
    if (receiverReadAheadMib < 0 || receiverReadAheadMib > ReceiverConfig.MAX_READ_AHEAD_MIB) {
      throw new IllegalArgumentException(
          "receiver read-ahead must be 0 to "
              + ReceiverConfig.MAX_READ_AHEAD_MIB
              + " MiB: "
              + receiverReadAheadMib);
    }
  }

  /** The pipe composer alone (the agent's node setup: the agent hosts its own receiver). */
  public InstallOptions(
      Path prefix,
      Path procSys,
      Path javaHome,
      List<Path> composerJars,
      CaptureSettings capture,
      int pipeLimit) {
    this(
        prefix,
        procSys,
        javaHome,
        composerJars,
        capture,
        pipeLimit,
        CaptureMode.PIPE,
        List.of(),
        DEFAULT_RECEIVER_WORKERS,
        DEFAULT_RECEIVER_READ_AHEAD_MIB);
  }
}
