package dev.coroner.receiver.protocol;

import java.util.EnumSet;
import java.util.Set;

/**
 * The bits of {@code coredump_req.mask} and {@code coredump_ack.mask}
 * (include/uapi/linux/coredump.h, Linux 6.17+). The kernel offers a set; the server answers with
 * exactly one action (KERNEL, USERSPACE or REJECT), and WAIT if it wants the task held until it
 * closes the connection.
 */
public enum CoredumpFlag {
  /** The kernel writes the ELF core into the socket, then shuts its writing side. */
  KERNEL(1L << 0),
  /** No data; the server dumps the task itself while the kernel holds it. */
  USERSPACE(1L << 1),
  /** No core: the task dies without one ({@code WCOREDUMP} false). */
  REJECT(1L << 2),
  /** After the core, the kernel keeps the task (and /proc/PID) until the server closes. */
  WAIT(1L << 3);

  private final long bit;

  CoredumpFlag(long bit) {
    this.bit = bit;
  }

  /** The flag's bit in a mask. */
  public long bit() {
    return bit;
  }

  /** Whether it is one of the actions (KERNEL, USERSPACE, REJECT), not WAIT. */
  public boolean isAction() {
    return this != WAIT;
  }

  /** The flags whose bits are set; unknown bits are ignored. */
  public static Set<CoredumpFlag> of(long mask) {
    EnumSet<CoredumpFlag> flags = EnumSet.noneOf(CoredumpFlag.class);
    for (CoredumpFlag f : values()) {
      if ((mask & f.bit) != 0) {
        flags.add(f);
      }
    }
    return flags;
  }

  /** The mask with the bits of {@code flags}. */
  public static long mask(Set<CoredumpFlag> flags) {
    long mask = 0;
    for (CoredumpFlag f : flags) {
      mask |= f.bit;
    }
    return mask;
  }
}
