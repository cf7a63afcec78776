package dev.coroner.dump;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Why a dump's core is not whole. The {@link #id()} is the stable form in dump-info ({@code
 * integrity.cause}), in object metadata and in metric labels; docs/dump-info.md lists them.
 */
public enum IntegrityCause {
  /** The kernel sent nothing. */
  EMPTY,
  /** The data is not an ELF file. */
  NOT_ELF,
  /** An ELF file, but not a readable core header. */
  BAD_HEADER,
  /** Fewer bytes arrived than the ELF headers announce. */
  SHORT,
  /** {@code limit.max-core-size} reached; the rest was not read. */
  MAX_CORE_SIZE,
  /** Flood control: the workload kept enough cores lately; metadata and log only. */
  FLOOD,
  /** The dump directory would hold more than {@code limit.max-use}. */
  MAX_USE,
  /** The dump directory's free space reached {@code limit.keep-free}. */
  KEEP_FREE,
  /** The watchdog ended the capture. */
  TIMEOUT,
  /** Reading the pipe failed. */
  READ_ERROR,
  /** Writing failed (usually a full disk); only metadata was kept. */
  WRITE_ERROR,
  /**
   * The scrubber could not finish the core (a corrupt core): the core was dropped rather than kept
   * with secrets in it; metadata and the scrubbed text files are kept.
   */
  SCRUB_FAILED,
  /**
   * A reason this version does not know (written by a newer coroner, or by hand); its detail is the
   * whole reason text.
   */
  UNKNOWN;

  /** The stable lower-case id: {@code max-core-size}, {@code timeout}, ... */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The cause with this id, or {@link #UNKNOWN} for an id this version does not know. */
  public static IntegrityCause fromId(String id) {
    for (IntegrityCause c : values()) {
      if (c.id().equals(id)) {
        return c;
      }
    }
    return UNKNOWN;
  }

  /**
   * The cause a dump-info {@code reason} text names, for dumps written before {@code cause} was:
   * the text before the first colon, or the whole text ({@code timeout}). The one place that reads
   * a cause out of text; see {@link DumpInfo.Integrity#read}.
   */
  static IntegrityCause ofReason(@Nullable String reason) {
    if (reason == null) {
      return UNKNOWN;
    }
    int colon = reason.indexOf(':');
    return fromId((colon < 0 ? reason : reason.substring(0, colon)).trim());
  }
}
