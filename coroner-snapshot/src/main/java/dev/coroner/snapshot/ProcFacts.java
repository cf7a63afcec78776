package dev.coroner.snapshot;

import dev.coroner.snapshot.core.ProcessInfo;
import dev.coroner.snapshot.core.ThreadInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@code /proc} says about a process or one of its threads: the {@code status} fields, the
 * {@code stat} fields after the command name, and small files. Missing files read as empty, so a
 * thread that exits meanwhile costs only its details.
 */
final class ProcFacts {
  private final Path dir;
  private final Map<String, String> status;
  private final String[] stat;

  private ProcFacts(Path dir) {
    this.dir = dir;
    this.status = parseStatus(text(dir.resolve("status")));
    this.stat = statFields(text(dir.resolve("stat")));
  }

  /** The process {@code pid}. */
  static ProcFacts of(Path procRoot, int pid) {
    return new ProcFacts(procRoot.resolve(Integer.toString(pid)));
  }

  /** Thread {@code tid} of process {@code pid}. */
  static ProcFacts ofThread(Path procRoot, int pid, int tid) {
    return new ProcFacts(procRoot.resolve(pid + "/task/" + tid));
  }

  boolean exists() {
    return !status.isEmpty();
  }

  /** A status field's text ("" when absent). */
  String status(String key) {
    return status.getOrDefault(key, "");
  }

  /** A status field's first number, or {@code fallback}. */
  long statusNumber(String key, long fallback) {
    String[] f = status(key).split("\\s+");
    try {
      return Long.parseLong(f[0]);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /**
   * A status field's last number (NSpid: the id in the innermost namespace), or {@code fallback}.
   */
  long lastNumber(String key, long fallback) {
    String[] f = status(key).split("\\s+");
    try {
      return Long.parseLong(f[f.length - 1]);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** {@code stat} field {@code n} as numbered in proc(5) (3 = state, 4 = ppid, ...). */
  long statNumber(int n) {
    int i = n - 3;
    if (i < 0 || i >= stat.length) {
      return 0;
    }
    try {
      return Long.parseLong(stat[i]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  char state() {
    return stat.length > 0 && !stat[0].isEmpty() ? stat[0].charAt(0) : '?';
  }

  String comm() {
    return text(dir.resolve("comm")).strip();
  }

  String cmdlineJoined() {
    return text(dir.resolve("cmdline")).replace('\0', ' ').strip();
  }

  byte[] bytes(String name) {
    try {
      return Files.readAllBytes(dir.resolve(name));
    } catch (IOException | RuntimeException e) {
      return new byte[0];
    }
  }

  String text(String name) {
    return text(dir.resolve(name));
  }

  /** NT_PRPSINFO's content. */
  ProcessInfo processInfo() {
    return new ProcessInfo(
        state(),
        (int) statNumber(19),
        statNumber(9),
        (int) statusNumber("Uid", 0),
        (int) statusNumber("Gid", 0),
        (int) lastNumber("NSpid", statusNumber("Pid", 0)),
        (int) statNumber(4),
        (int) lastNumber("NSpgid", statNumber(5)),
        (int) lastNumber("NSsid", statNumber(6)),
        comm(),
        cmdlineJoined());
  }

  /** NT_PRSTATUS's ids, signals and times for this thread ({@code tid} if /proc has nothing). */
  ThreadInfo threadInfo(int tid) {
    return new ThreadInfo(
        (int) lastNumber("NSpid", tid),
        (int) statNumber(4),
        (int) lastNumber("NSpgid", statNumber(5)),
        (int) lastNumber("NSsid", statNumber(6)),
        hex(status("SigPnd")) | hex(status("ShdPnd")),
        hex(status("SigBlk")),
        statNumber(14),
        statNumber(15));
  }

  private static long hex(String s) {
    try {
      return s.isEmpty() ? 0 : Long.parseUnsignedLong(s, 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A file's text, or "" when it cannot be read. */
  static String read(Path p) {
    return text(p);
  }

  private static String text(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static Map<String, String> parseStatus(String text) {
    Map<String, String> m = new HashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        m.put(line.substring(0, colon), line.substring(colon + 1).strip());
      }
    }
    return m;
  }

  /** The fields after {@code (comm)}: comm may hold spaces and parentheses, so split after it. */
  private static String[] statFields(String text) {
    int close = text.lastIndexOf(')');
    if (close < 0) {
      return new String[0];
    }
    return text.substring(close + 1).strip().split("\\s+");
  }
}
