package dev.coroner.node;

import dev.coroner.capture.settings.CaptureSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code coroner install} (and the agent's node setup) lays down.
 *
 * @param prefix where the composer, its runtime and its config go
 * @param procSys the kernel's {@code /proc/sys} (the host's, as the agent sees it)
 * @param javaHome the JDK whose runtime the composer gets (jlinked into the prefix)
 * @param composerJars the composer, coroner-core and zstd-jni jars
 * @param capture the composer's settings, written to {@code composer.properties}
 * @param pipeLimit the value for {@code kernel.core_pipe_limit}; at least 1
 */
public record InstallOptions(
    Path prefix,
    Path procSys,
    Path javaHome,
    List<Path> composerJars,
    CaptureSettings capture,
    int pipeLimit) {

  public static final Path DEFAULT_PREFIX = Path.of("/opt/coroner");
  public static final Path PROC_SYS = Path.of("/proc/sys");

  public InstallOptions {
    composerJars = List.copyOf(composerJars);
    if (pipeLimit < 1) {
      throw new IllegalArgumentException("core_pipe_limit must be at least 1: " + pipeLimit);
    }
  }
}
