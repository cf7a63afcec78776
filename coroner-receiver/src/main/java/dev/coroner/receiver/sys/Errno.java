package dev.coroner.receiver.sys;

import java.util.Map;

/** Linux errno values (x86_64) the receiver reacts to, and their names for messages. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EINVAL = 22;
  public static final int EMFILE = 24;
  public static final int ENOTTY = 25;
  public static final int EPIPE = 32;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOPROTOOPT = 92;
  public static final int EADDRINUSE = 98;
  public static final int ECONNABORTED = 103;
  public static final int ECONNRESET = 104;
  public static final int ENOTCONN = 107;
  public static final int ECONNREFUSED = 111;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(EPERM, "EPERM (operation not permitted)"),
          Map.entry(ENOENT, "ENOENT (no such file or directory)"),
          Map.entry(ESRCH, "ESRCH (no such process)"),
          Map.entry(EINTR, "EINTR (interrupted system call)"),
          Map.entry(5, "EIO (input/output error)"),
          Map.entry(EBADF, "EBADF (bad file descriptor)"),
          Map.entry(EAGAIN, "EAGAIN (resource temporarily unavailable)"),
          Map.entry(ENOMEM, "ENOMEM (out of memory)"),
          Map.entry(EACCES, "EACCES (permission denied)"),
          Map.entry(14, "EFAULT (bad address)"),
          Map.entry(17, "EEXIST (file exists)"),
          Map.entry(20, "ENOTDIR (not a directory)"),
          Map.entry(EINVAL, "EINVAL (invalid argument)"),
          Map.entry(23, "ENFILE (too many open files in system)"),
          Map.entry(EMFILE, "EMFILE (too many open files)"),
          Map.entry(ENOTTY, "ENOTTY (inappropriate ioctl for device)"),
          Map.entry(28, "ENOSPC (no space left on device)"),
          Map.entry(EPIPE, "EPIPE (broken pipe)"),
          Map.entry(ENAMETOOLONG, "ENAMETOOLONG (file name too long)"),
          Map.entry(38, "ENOSYS (function not implemented)"),
          Map.entry(40, "ELOOP (too many levels of symbolic links)"),
          Map.entry(88, "ENOTSOCK (not a socket)"),
          Map.entry(ENOPROTOOPT, "ENOPROTOOPT (protocol not available)"),
          Map.entry(95, "EOPNOTSUPP (operation not supported)"),
          Map.entry(97, "EAFNOSUPPORT (address family not supported)"),
          Map.entry(EADDRINUSE, "EADDRINUSE (address already in use)"),
          Map.entry(ECONNABORTED, "ECONNABORTED (connection aborted)"),
          Map.entry(ECONNRESET, "ECONNRESET (connection reset by peer)"),
          Map.entry(105, "ENOBUFS (no buffer space available)"),
          Map.entry(ENOTCONN, "ENOTCONN (transport endpoint is not connected)"),
          Map.entry(110, "ETIMEDOUT (connection timed out)"),
          Map.entry(ECONNREFUSED, "ECONNREFUSED (connection refused)"));

  private Errno() {}

  /** {@code "EINVAL (invalid argument)"}, or {@code "errno 123"} for one not in the table. */
  public static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
