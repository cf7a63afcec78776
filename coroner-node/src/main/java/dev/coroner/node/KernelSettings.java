package dev.coroner.node;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.receiver.kernel.SocketPatternWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The three kernel settings coroner changes, as read from or written to {@code /proc/sys}.
 *
 * @param corePattern {@code kernel.core_pattern}
 * @param corePipeLimit {@code kernel.core_pipe_limit}
 * @param suidDumpable {@code fs.suid_dumpable}
 */
public record KernelSettings(String corePattern, int corePipeLimit, int suidDumpable) {
  static final String CORE_PATTERN = "kernel/core_pattern";
  static final String CORE_PIPE_LIMIT = "kernel/core_pipe_limit";
  static final String SUID_DUMPABLE = "fs/suid_dumpable";

  /** The kernel caps core_pattern at 127 characters and silently truncates longer ones. */
  public static final int MAX_PATTERN_LENGTH = 127;

  /** Reads the current values. */
  public static KernelSettings read(Path procSys) throws IOException {
    return new KernelSettings(
        sysctl(procSys.resolve(CORE_PATTERN)),
        Integer.parseInt(sysctl(procSys.resolve(CORE_PIPE_LIMIT))),
        Integer.parseInt(sysctl(procSys.resolve(SUID_DUMPABLE))));
  }

  /**
   * Reads a sysctl in one read call. Integer sysctls answer EOF to any read at a non-zero offset,
   * so {@code Files.readString}, which starts with a 1-byte read for a file of size 0, would read
   * "16" as "1".
   */
  private static String sysctl(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[4096];
      int n = in.read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).strip();
    }
  }

  /**
   * Writes the values, the pattern last so that the pipe limit is in force before the first crash
   * reaches the new handler.
   */
  public void write(Path procSys) throws IOException {
    write(procSys, null);
  }

  /**
   * The same, with an {@code @} pattern (another socket handler's, saved at install) handed to
   * {@code socketPatterns}: the kernel takes one only from a writer in the initial mount namespace.
   *
   * @param socketPatterns null where this process writes every pattern itself (on the host)
   */
  public void write(Path procSys, @Nullable SocketPatternWriter socketPatterns) throws IOException {
    Files.writeString(procSys.resolve(SUID_DUMPABLE), suidDumpable + "\n");
    Files.writeString(procSys.resolve(CORE_PIPE_LIMIT), corePipeLimit + "\n");
    if (socketPatterns != null && corePattern.startsWith("@")) {
      socketPatterns.write(corePattern);
      return;
    }
    try {
      Files.writeString(procSys.resolve(CORE_PATTERN), corePattern + "\n");
    } catch (IOException e) {
      if (!corePattern.startsWith("@")) {
        throw e;
      }
      throw new IOException(
          "cannot write core_pattern '"
              + corePattern
              + "' back ("
              + e.getMessage()
              + "): the kernel takes an '@' pattern only from the host's initial mount namespace;"
              + " write it there by hand (sysctl -w kernel.core_pattern='"
              + corePattern
              + "'), or run the agent with hostPID (chart: agent.coreHandler auto or socket)",
          e);
    }
  }

  @Override
  public String toString() {
    return "kernel.core_pattern='"
        + corePattern
        + "' kernel.core_pipe_limit="
        + corePipeLimit
        + " fs.suid_dumpable="
        + suidDumpable;
  }

  void save(Path file) throws IOException {
    Properties p = new Properties();
    p.setProperty("kernel.core_pattern", corePattern);
    p.setProperty("kernel.core_pipe_limit", Integer.toString(corePipeLimit));
    p.setProperty("fs.suid_dumpable", Integer.toString(suidDumpable));
    // Uninstall restores from this file: a power cut must leave the old backup or the new one.
    AtomicFiles.write(
        file,
        AtomicFiles.PRIVATE_FILE,
        out ->
            p.store(
                out,
                "kernel settings before 'coroner install'; 'coroner uninstall' restores them"));
  }

  static KernelSettings load(Path file) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    try {
      return new KernelSettings(
          p.getProperty("kernel.core_pattern", "core"),
          Integer.parseInt(p.getProperty("kernel.core_pipe_limit", "0")),
          Integer.parseInt(p.getProperty("fs.suid_dumpable", "0")));
    } catch (NumberFormatException e) {
      throw new IOException("corrupt backup " + file + ": " + e.getMessage(), e);
    }
  }
}
