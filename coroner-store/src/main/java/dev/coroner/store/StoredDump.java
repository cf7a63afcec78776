package dev.coroner.store;

import dev.coroner.dump.DumpInfo;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One dump in a store, as listed: its name (without {@code .zip}), the size of the zip, when it was
 * stored, where it is, and its dump-info as far as the listing carries it (null when the dump
 * cannot be read; {@code problem} then says why).
 */
public record StoredDump(
    String name,
    long size,
    Instant stored,
    DumpLocation location,
    @Nullable DumpInfo info,
    @Nullable DumpProblem problem) {

  /**
   * Whether the stored object is encrypted at rest (an age file, {@code NAME.zip.age}): reading it
   * needs an identity of one of its recipients.
   */
  public boolean encrypted() {
    return location.display().endsWith(".zip.age");
  }

  /** Whether dump-info could be read. */
  public boolean readable() {
    return info != null;
  }

  /** The crash time from dump-info, or when it was stored if dump-info is unreadable. */
  public Instant time() {
    return info != null ? Instant.ofEpochSecond(info.timestamp()) : stored;
  }

  /** The uuid from dump-info, or the name's first 36 characters. */
  public String uuid() {
    if (info != null) {
      return info.uuid();
    }
    return name.length() >= 36 ? name.substring(0, 36) : name;
  }
}
