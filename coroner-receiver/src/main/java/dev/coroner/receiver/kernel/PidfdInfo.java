package dev.coroner.receiver.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@code struct pidfd_info} as {@code ioctl(PIDFD_GET_INFO)} leaves it: 64 bytes (6.13), 72 (6.16:
 * coredump_mask), 80 (6.19: supported_mask; the 6.18 spare becomes coredump_signal), 88 (7.1:
 * coredump_code). A field counts only when its {@code mask} bit is set and the struct was long
 * enough to carry it: with 64 bytes the kernel sets the COREDUMP bit but copies no coredump_mask.
 */
public final class PidfdInfo {
  public static final long PIDFD_INFO_PID = 0x1;
  public static final long PIDFD_INFO_CREDS = 0x2;
  public static final long PIDFD_INFO_CGROUPID = 0x4;
  public static final long PIDFD_INFO_EXIT = 0x8;
  public static final long PIDFD_INFO_COREDUMP = 0x10;
  public static final long PIDFD_INFO_SUPPORTED_MASK = 0x20;
  public static final long PIDFD_INFO_COREDUMP_SIGNAL = 0x40;
  public static final long PIDFD_INFO_COREDUMP_CODE = 0x80;

  public static final int PIDFD_COREDUMPED = 0x1;
  public static final int PIDFD_COREDUMP_SKIP = 0x2;
  public static final int PIDFD_COREDUMP_USER = 0x4;
  public static final int PIDFD_COREDUMP_ROOT = 0x8;

  public static final int SIZE_VER0 = 64;
  public static final int SIZE_VER1 = 72;
  public static final int SIZE_VER2 = 80;
  public static final int SIZE_VER3 = 88;

  private final byte[] raw;
  private final int length;
  private final ByteBuffer b;

  private PidfdInfo(byte[] raw, int length) {
    this.raw = raw;
    this.length = length;
    this.b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The struct from its bytes. Never throws: a field past the end of the input is absent, and fewer
   * than 8 bytes are an empty mask.
   */
  public static PidfdInfo parse(byte[] bytes) {
    return new PidfdInfo(Arrays.copyOf(bytes, Math.max(bytes.length, SIZE_VER3)), bytes.length);
  }

  /** The bytes given to {@link #parse}, as many as given. */
  public byte[] bytes() {
    return Arrays.copyOf(raw, length);
  }

  /** Which fields the kernel filled in ({@code PIDFD_INFO_*} bits), 0 if none. */
  public long mask() {
    return length >= 8 ? b.getLong(0) : 0;
  }

  /** Whether every bit of {@code flag} is in the {@link #mask()}. */
  public boolean has(long flag) {
    return (mask() & flag) == flag;
  }

  /** The process's cgroup ID. */
  public long cgroupId() {
    return field64(PIDFD_INFO_CGROUPID, 8);
  }

  /** The task's pid in the caller's pid namespace; -1 for an absent field, as below. */
  public int pid() {
    return field32(PIDFD_INFO_PID, 16);
  }

  /** The thread group ID: the process's PID. */
  public int tgid() {
    return field32(PIDFD_INFO_PID, 20);
  }

  /** The parent's PID. */
  public int ppid() {
    return field32(PIDFD_INFO_PID, 24);
  }

  /** The real user ID. */
  public int ruid() {
    return field32(PIDFD_INFO_CREDS, 28);
  }

  /** The real group ID. */
  public int rgid() {
    return field32(PIDFD_INFO_CREDS, 32);
  }

  /** The effective user ID. */
  public int euid() {
    return field32(PIDFD_INFO_CREDS, 36);
  }

  /** The effective group ID. */
  public int egid() {
    return field32(PIDFD_INFO_CREDS, 40);
  }

  /** The wait status once the task exited (PIDFD_INFO_EXIT); -1 before. */
  public int exitCode() {
    return field32(PIDFD_INFO_EXIT, 60);
  }

  /**
   * {@code PIDFD_COREDUMPED | USER/ROOT/SKIP} (PIDFD_INFO_COREDUMP, 72-byte struct); 0 if absent.
   */
  public int coredumpMask() {
    return has(PIDFD_INFO_COREDUMP) && length >= 68 ? b.getInt(64) : 0;
  }

  /** The signal that dumped (6.19+, PIDFD_INFO_COREDUMP_SIGNAL); -1 if absent. */
  public int coredumpSignal() {
    return field32(PIDFD_INFO_COREDUMP_SIGNAL, 68);
  }

  /** The kernel's supported mask (6.19+); 0 if absent. */
  public long supportedMask() {
    return has(PIDFD_INFO_SUPPORTED_MASK) && length >= 80 ? b.getLong(72) : 0;
  }

  /**
   * Whether the pidfd's task is being dumped by the kernel: the only trustworthy sign that a
   * coredump socket's peer is the kernel and not a userspace client pretending to be it.
   */
  public boolean isKernelCoredump() {
    return (coredumpMask() & PIDFD_COREDUMPED) != 0;
  }

  /** The dump is of a task marked sensitive (suid_dumpable=2, e.g. a setuid program). */
  public boolean isSensitiveDump() {
    return (coredumpMask() & PIDFD_COREDUMP_ROOT) != 0;
  }

  private int field32(long flag, int offset) {
    return has(flag) && length >= offset + 4 ? b.getInt(offset) : -1;
  }

  private long field64(long flag, int offset) {
    return has(flag) && length >= offset + 8 ? b.getLong(offset) : -1;
  }

  @Override
  public String toString() {
    return "PidfdInfo[mask=0x"
        + Long.toHexString(mask())
        + ", tgid="
        + tgid()
        + ", ruid="
        + ruid()
        + ", rgid="
        + rgid()
        + ", coredump_mask=0x"
        + Integer.toHexString(coredumpMask())
        + ", "
        + length
        + " bytes]";
  }
}
