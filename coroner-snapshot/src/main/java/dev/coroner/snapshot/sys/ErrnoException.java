package dev.coroner.snapshot.sys;

import java.io.IOException;
import java.util.Map;

/** A call failed with {@code errno}; the message names the call and the error. */
public final class ErrnoException extends IOException {
  private static final long serialVersionUID = 1L;

  public static final int EPERM = 1;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EINVAL = 22;
  public static final int ENOSYS = 38;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(EPERM, "EPERM (operation not permitted)"),
          Map.entry(ESRCH, "ESRCH (no such process)"),
          Map.entry(EINTR, "EINTR (interrupted)"),
          Map.entry(EIO, "EIO (input/output error)"),
          Map.entry(ECHILD, "ECHILD (no child)"),
          Map.entry(EAGAIN, "EAGAIN (resource temporarily unavailable)"),
          Map.entry(ENOMEM, "ENOMEM (cannot allocate memory)"),
          Map.entry(EACCES, "EACCES (permission denied)"),
          Map.entry(EBUSY, "EBUSY (busy)"),
          Map.entry(EINVAL, "EINVAL (invalid argument)"),
          Map.entry(ENOSYS, "ENOSYS (function not implemented)"));

  private final int errno;

  public ErrnoException(String call, int errno) {
    super(call + " failed: " + describe(errno));
    this.errno = errno;
  }

  /** The errno value. */
  public int errno() {
    return errno;
  }

  /** The name and meaning of an errno value, such as {@code ESRCH (no such process)}. */
  public static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
