package dev.coroner.receiver.sys;

/**
 * Linux x86_64 constants for the calls in {@link Syscalls}. The installed headers (linux-libc-dev
 * 6.1) have neither SO_PEERPIDFD nor PIDFD_GET_INFO, so they are spelled out here and were checked
 * with a C probe on the target kernel.
 */
public final class Linux {
  public static final int MSG_PEEK = 0x2;
  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_WAITALL = 0x100;
  public static final int MSG_NOSIGNAL = 0x4000;

  public static final int SHUT_RD = 0;
  public static final int SHUT_WR = 1;
  public static final int SHUT_RDWR = 2;

  public static final short POLLIN = 0x1;
  public static final short POLLERR = 0x8;
  public static final short POLLHUP = 0x10;
  public static final short POLLNVAL = 0x20;

  /** setns(2): the UTS namespace (hostname). */
  public static final int CLONE_NEWUTS = 0x04000000;

  /** {@code sun_path} is 108 bytes with its NUL: a path may have 107. */
  public static final int UNIX_PATH_MAX = 108;

  /** {@code PIDFD_GET_INFO = _IOWR(0xFF, 11, size)}: the size is part of the request number. */
  public static long pidfdGetInfoRequest(int structSize) {
    return 0xC000_0000L | ((long) structSize << 16) | (0xFFL << 8) | 11L;
  }

  private Linux() {}
}
