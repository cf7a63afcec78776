package dev.coroner.node;

import java.util.Locale;

/** How the kernel hands cores over: {@code coroner install --mode}. */
public enum CaptureMode {
  /** The socket where the kernel and a JDK 22+ allow it, else the pipe; install says why. */
  AUTO,
  /**
   * The kernel's coredump socket (Linux 6.16+) and a warm receiver; the pipe composer stays as the
   * fallback and takes the crashes whenever the receiver is down.
   */
  SOCKET,
  /** The pipe composer only: a JVM started at every crash. */
  PIPE;

  /** {@code auto}, {@code socket}, {@code pipe}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@link #id()}.
   *
   * @throws IllegalArgumentException naming the choices
   */
  public static CaptureMode parse(String text) {
    for (CaptureMode m : values()) {
      if (m.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException("must be auto, socket or pipe: '" + text + "'");
  }
}
