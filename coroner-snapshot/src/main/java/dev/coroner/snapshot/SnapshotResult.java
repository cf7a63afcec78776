package dev.coroner.snapshot;

import dev.coroner.dump.DumpInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * A snapshot taken: the dump's zip, its dump-info and what went less than perfectly (a zombie copy
 * left, unreadable pages). {@code processExited} says the process ended before the copy was cleaned
 * up; the core is whole all the same.
 *
 * @param owner the uid that may read the dump through an ACL once it is published, or -1: none (as
 *     {@code DumpWriter.Written}); a dump written into a staging directory (to be scrubbed) has no
 *     ACL yet, its scrubbed one gets it
 */
public record SnapshotResult(
    Path file, DumpInfo info, long freezeMicros, int threads, List<String> warnings, long owner) {
  public SnapshotResult {
    warnings = List.copyOf(warnings);
  }
}
