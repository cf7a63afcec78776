package dev.coroner.cli.dumps;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.util.function.Predicate;

/**
 * A coredumpctl-style MATCH: a PID (all digits: the pid in its namespace or on the host), an
 * executable path (with a {@code /}), or a command name (comm, or the executable's file name).
 */
record DumpMatch(String text) implements Predicate<StoredDump> {

  /** Whether {@code text} reads as a PID. */
  boolean isPid() {
    return !text.isEmpty() && text.chars().allMatch(Character::isDigit) && text.length() < 12;
  }

  /** Whether {@code text} reads as an executable path. */
  boolean isPath() {
    return text.contains("/");
  }

  @Override
  public boolean test(StoredDump d) {
    DumpInfo info = d.info();
    if (info == null) {
      return false;
    }
    DumpInfo.ProcessInfo p = info.process();
    if (isPid()) {
      long pid = Long.parseLong(text);
      return p.pid() == pid || p.hostPid() == pid;
    }
    if (isPath()) {
      return text.equals(p.exePath());
    }
    String file =
        p.exePath() == null ? null : p.exePath().substring(p.exePath().lastIndexOf('/') + 1);
    return text.equals(p.exe()) || text.equals(file);
  }
}
