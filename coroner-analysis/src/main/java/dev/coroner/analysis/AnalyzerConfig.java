package dev.coroner.analysis;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How the analysis runs.
 *
 * @param tools the debuggers
 * @param cacheDir where debug-stripped copies of node are kept by build-id (lldb loads one in 1-2 s
 *     instead of 10-20); null to open the executable as it is
 * @param timeout the longest one debugger may run
 * @param maxOutputBytes the most output kept from one debugger
 */
public record AnalyzerConfig(
    ToolPaths tools, @Nullable Path cacheDir, Duration timeout, int maxOutputBytes) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
  public static final int DEFAULT_MAX_OUTPUT = 8 << 20;

  public AnalyzerConfig {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the analysis timeout must be positive: " + timeout);
    }
    if (maxOutputBytes < 4096) {
      throw new IllegalArgumentException("maxOutputBytes must be at least 4096: " + maxOutputBytes);
    }
  }

  /** The default timeout and output limit with these tools and cache. */
  public static AnalyzerConfig of(ToolPaths tools, Path cacheDir) {
    return new AnalyzerConfig(tools, cacheDir, DEFAULT_TIMEOUT, DEFAULT_MAX_OUTPUT);
  }
}
