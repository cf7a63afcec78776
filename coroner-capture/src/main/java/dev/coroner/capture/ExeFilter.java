package dev.coroner.capture;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;

/**
 * Decides from {@code filter.exclude-exe} whether a crash is skipped. A glob with a '/' matches the
 * executable's full path ({@code /usr/lib/chromium/**}); one without matches its file name or the
 * kernel's comm ({@code sleep}, {@code test-*}).
 */
public final class ExeFilter {
  private ExeFilter() {}

  /** The first glob that matches, or null. */
  public static String excludedBy(List<String> globs, String exePath, String comm) {
    for (String glob : globs) {
      var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
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
}
