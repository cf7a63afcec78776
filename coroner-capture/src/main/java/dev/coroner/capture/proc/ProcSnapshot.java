package dev.coroner.capture.proc;

import dev.coroner.capture.settings.EnvironMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@code /proc/PID} says about the crashing process, read before the core is drained: with
 * {@code core_pipe_limit} at 0 the kernel may reap the task once the core is consumed, and even
 * with a limit the pidfd check only means something while the task still exists.
 *
 * @param files zip entry name to content, for the files that could be read
 * @param exePath the target of {@code /proc/PID/exe}, or null
 * @param cmdline the arguments, or empty
 * @param containerId the 64-hex container ID from the cgroup, or null on the host
 * @param uid the real uid from status, or -1
 * @param gid the real gid from status, or -1
 * @param pidfdVerified whether the kernel's pidfd names the same process as {@code %P}
 * @param warnings what could not be read
 */
public record ProcSnapshot(
    Map<String, byte[]> files,
    @Nullable String exePath,
    List<String> cmdline,
    @Nullable String containerId,
    long uid,
    long gid,
    boolean pidfdVerified,
    List<String> warnings) {

  /** /proc files copied into the dump, each capped so a huge maps file cannot stall capture. */
  private static final List<String> FILES =
      List.of("cmdline", "cgroup", "status", "maps", "limits");

  private static final int MAX_FILE_BYTES = 8 << 20;

  static ProcSnapshot empty(String why) {
    return new ProcSnapshot(Map.of(), null, List.of(), null, -1, -1, false, List.of(why));
  }

  /** Reads {@code procRoot/pid}; never throws. */
  public static ProcSnapshot read(Path procRoot, long pid, int pidfd, EnvironMode environ) {
    if (pid <= 0) {
      return empty("no pid from the kernel; /proc not read");
    }
    Path dir = procRoot.resolve(Long.toString(pid));
    boolean verified = verifyPidfd(procRoot, pid, pidfd);
    Map<String, byte[]> files = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    for (String name : FILES) {
      byte[] content = readCapped(dir.resolve(name), warnings);
      if (content != null) {
        files.put("proc/" + name, content);
      }
    }
    if (environ != EnvironMode.OFF) {
      byte[] env = readCapped(dir.resolve("environ"), warnings);
      if (env != null) {
        files.put("proc/environ", environ == EnvironMode.FULL ? env : redact(env));
      }
    }
    String exe = null;
    try {
      exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
      files.put("proc/exe", (exe + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException | UnsupportedOperationException e) {
      warnings.add("cannot read " + dir.resolve("exe") + ": " + e);
    }
    byte[] cmdline = files.get("proc/cmdline");
    byte[] cgroup = files.get("proc/cgroup");
    byte[] status = files.get("proc/status");
    return new ProcSnapshot(
        files,
        exe,
        cmdline == null ? List.of() : nulSeparated(cmdline),
        cgroup == null
            ? null
            : ContainerIds.fromCgroup(new String(cgroup, StandardCharsets.UTF_8)).orElse(null),
        statusId(status, "Uid:"),
        statusId(status, "Gid:"),
        verified,
        warnings);
  }

  /**
   * The raw {@code /proc/PID/environ} (NUL-separated {@code NAME=VALUE}), for the scrubber only: it
   * never goes into the dump. Read, like the rest, before the core; null when unreadable.
   */
  public static byte @Nullable [] environ(Path procRoot, long pid) {
    if (pid <= 0) {
      return null;
    }
    return readCapped(procRoot.resolve(Long.toString(pid)).resolve("environ"), new ArrayList<>());
  }

  /**
   * Checks the pidfd the kernel passed ({@code %F}) against {@code %P}: fdinfo of a pidfd names its
   * process, so a reused PID cannot make us read another process's /proc.
   */
  private static boolean verifyPidfd(Path procRoot, long pid, int pidfd) {
    if (pidfd < 0) {
      return false;
    }
    try {
      for (String line : Files.readAllLines(procRoot.resolve("self/fdinfo/" + pidfd))) {
        if (line.startsWith("Pid:")) {
          return Long.parseLong(line.substring(4).trim()) == pid;
        }
      }
    } catch (IOException | RuntimeException e) {
      // no pidfd (old kernel or a hand-run composer): not verified
    }
    return false;
  }

  private static byte @Nullable [] readCapped(Path file, List<String> warnings) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(MAX_FILE_BYTES);
    } catch (IOException e) {
      warnings.add("cannot read " + file + ": " + e.getMessage());
      return null;
    }
  }

  /** Keeps variable names and replaces every value, since environments hold credentials. */
  static byte[] redact(byte[] environ) {
    StringBuilder out = new StringBuilder();
    for (String entry : nulSeparated(environ)) {
      int eq = entry.indexOf('=');
      out.append(eq < 0 ? entry : entry.substring(0, eq) + "=<redacted>").append('\0');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> nulSeparated(byte[] data) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= data.length; i++) {
      if (i == data.length || data[i] == 0) {
        if (i > start) {
          parts.add(new String(data, start, i - start, StandardCharsets.UTF_8));
        }
        start = i + 1;
      }
    }
    return parts;
  }

  private static long statusId(byte @Nullable [] status, String key) {
    if (status == null) {
      return -1;
    }
    for (String line : new String(status, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith(key)) {
        String[] f = line.substring(key.length()).trim().split("\\s+");
        try {
          return Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
