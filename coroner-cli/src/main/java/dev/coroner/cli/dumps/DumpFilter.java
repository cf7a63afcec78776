package dev.coroner.cli.dumps;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Which dumps {@code coroner list} shows. Null criteria match everything. Unreadable dumps only
 * match when no criterion needs their metadata.
 *
 * @param exe a glob on the executable's name (comm or file name), e.g. {@code node*}
 * @param signal a signal number
 */
record DumpFilter(
    @Nullable Instant since,
    @Nullable Instant until,
    @Nullable String exe,
    @Nullable String namespace,
    @Nullable String pod,
    @Nullable Integer signal)
    implements Predicate<StoredDump> {

  @Override
  public boolean test(StoredDump d) {
    Instant t = d.time();
    if ((since != null && t.isBefore(since)) || (until != null && t.isAfter(until))) {
      return false;
    }
    if (exe == null && namespace == null && pod == null && signal == null) {
      return true;
    }
    DumpInfo info = d.info();
    if (info == null) {
      return false;
    }
    if (signal != null && info.process().signal() != signal) {
      return false;
    }
    if (exe != null && !exeMatches(exe, info.process())) {
      return false;
    }
    if (namespace != null && (info.pod() == null || !namespace.equals(info.pod().namespace()))) {
      return false;
    }
    return pod == null || (info.pod() != null && glob(pod, info.pod().name()));
  }

  private static boolean exeMatches(String exe, DumpInfo.ProcessInfo p) {
    String file = p.exePath() == null ? null : String.valueOf(Path.of(p.exePath()).getFileName());
    return glob(exe, p.exe()) || glob(exe, file);
  }

  private static boolean glob(String pattern, @Nullable String value) {
    if (value == null || value.isEmpty() || value.contains("/")) {
      return false;
    }
    return FileSystems.getDefault().getPathMatcher("glob:" + pattern).matches(Path.of(value));
  }
}
