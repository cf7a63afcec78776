package dev.coroner.receiver.kernel;

/**
 * The result of {@link KernelSupport#trySet}: the kernel took the pattern, refused the write, or
 * kept another value (a 6.16.8 to 6.17.4 kernel takes a pattern it cannot use; any kernel cuts one
 * past 127 characters), in which case the previous one was written back.
 *
 * @param status what happened
 * @param previous the pattern before the write, to restore later
 * @param readBack what the kernel held after the write
 * @param detail a sentence for the log
 */
public record PatternChange(Status status, String previous, String readBack, String detail) {

  /** What happened to the write. */
  public enum Status {
    /** The kernel holds the new pattern. */
    SET,
    /**
     * The write failed (EINVAL: a bad pattern, or an {@code @} one outside the initial mount ns).
     */
    REFUSED,
    /** The kernel held something else; the previous pattern was written back. */
    REVERTED
  }

  /** Whether the kernel holds the new pattern. */
  public boolean isSet() {
    return status == Status.SET;
  }
}
