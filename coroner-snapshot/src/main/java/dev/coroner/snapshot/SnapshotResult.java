package dev.coroner.snapshot;

import dev.coroner.dump.DumpInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * A snapshot taken: the dump's zip, its dump-info and what went less than perfectly (a zombie copy
 * left, unreadable pages). {@code processExited} says the process ended before the copy was cleaned
 * up; the core is whole all the same.
 */
public record SnapshotResult(
    Path file, DumpInfo info, long freezeMicros, int threads, List<String> warnings) {
  public SnapshotResult {
    warnings = List.copyOf(warnings);
  }
}
