package dev.coroner.capture.seal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a core scrubbed at capture may be staged raw: only if it stays in the page cache until
 * the scrub has compressed it, so that it never reaches the disk at all. That is, the core fits in
 * what the kernel lets be dirty before it starts writing back (MemAvailable times {@code
 * vm.dirty_background_ratio}, or {@code vm.dirty_background_bytes}), and the dump directory's file
 * system holds the raw core and its compressed copy above {@code limit.keep-free}. Anything else,
 * or a size not known before the first byte (the pipe), is staged compressed, as before.
 */
final class RawStaging {
  /** Room kept beside the two copies (zip entries, dump-info, other captures' tails). */
  static final long SLACK = 64L << 20;

  private RawStaging() {}

  /** Whether a core of {@code size} bytes may be staged raw under {@code dumpDir}. */
  static boolean fits(long size, Path dumpDir, long keepFree) {
    if (size <= 0) {
      return false;
    }
    return fits(size, usableSpace(dumpDir), keepFree, dirtyRoom(Path.of("/proc")));
  }

  /** The free space of the file system {@code dir} will be on (made at the first dump). */
  static long usableSpace(Path dir) {
    for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p)) {
        return p.toFile().getUsableSpace();
      }
    }
    return 0;
  }

  /**
   * The rule: {@code size} at most {@code dirtyRoom}, and twice it plus {@link #SLACK} within the
   * {@code usable} bytes above {@code keepFree}.
   */
  static boolean fits(long size, long usable, long keepFree, long dirtyRoom) {
    return size > 0 && size <= dirtyRoom && usable - keepFree - SLACK >= 2 * size;
  }

  /** Bytes the kernel lets be dirty before background writeback starts; 0 when unknown. */
  static long dirtyRoom(Path proc) {
    try {
      long bytes = Long.parseLong(read(proc.resolve("sys/vm/dirty_background_bytes")));
      if (bytes > 0) {
        return bytes;
      }
      long ratio = Long.parseLong(read(proc.resolve("sys/vm/dirty_background_ratio")));
      for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return kib * 1024 / 100 * ratio;
        }
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      return 0; // unknown: stage compressed
    }
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p).trim();
  }
}
