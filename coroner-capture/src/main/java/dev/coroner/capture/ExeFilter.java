package dev.coroner.capture;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Decides from {@code filter.exclude-exe} whether a crash is skipped. A glob with a '/' matches the
 * executable's full path ({@code /usr/lib/chromium/**}); one without matches its file name or the
 * kernel's comm ({@code sleep}, {@code test-*}).
 */
public final class ExeFilter {
  private ExeFilter() {}

  /**
   * The first glob that matches, or null. A glob that does not compile ({@code [}) matches nothing:
   * a bad setting must never cost a crash its dump ({@link #invalid} reports it).
   */
  public static @Nullable String excludedBy(
      List<String> globs, @Nullable String exePath, @Nullable String comm) {
    for (String glob : globs) {
      PathMatcher matcher;
      try {
        matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (glob.contains("/")) {
        if (exePath != null && matcher.matches(Path.of(exePath))) {
          return glob;
        }
      } else {
        Path name = exePath == null ? null : Path.of(exePath).getFileName();
        if ((name != null && matcher.matches(name))
            || (comm != null && !comm.contains("/") && matcher.matches(Path.of(comm)))) {
          return glob;
        }
      }
    }
    return null;
  }

  /** The globs that do not compile, each with why, for the log. */
  public static List<String> invalid(List<String> globs) {
    List<String> bad = new ArrayList<>();
    for (String glob : globs) {
      try {
        FileSystems.getDefault().getPathMatcher("glob:" + glob);
      } catch (IllegalArgumentException e) {
        bad.add(
            "filter.exclude-exe '"
                + glob
                + "' is not a glob ("
                + Objects.requireNonNullElse(e.getMessage(), "").lines().findFirst().orElse("")
                + "); it is ignored");
      }
    }
    return bad;
  }
}
