package dev.coroner.receiver.kernel;

import java.nio.file.Path;

/** The two core_pattern forms that hand cores to a Unix socket, and the kernel each needs. */
public enum SocketPattern {
  /** {@code @@/path} (Linux 6.17+): request, ack (accept or reject), mark, then the core. */
  REQUEST("@@", 6, 17),
  /** {@code @/path} (Linux 6.16+): the core streams at once, nothing asked. */
  STREAM("@", 6, 16);

  private final String prefix;
  private final int major;
  private final int minor;

  SocketPattern(String prefix, int major, int minor) {
    this.prefix = prefix;
    this.major = major;
    this.minor = minor;
  }

  /** What core_pattern starts with before the socket's path. */
  public String prefix() {
    return prefix;
  }

  /** The core_pattern value for a socket path: {@code @@/run/coroner/kernel.sock}. */
  public String corePattern(Path socket) {
    return prefix + socket;
  }

  /** The oldest kernel with this form, as {@code "6.17"}. */
  public String since() {
    return major + "." + minor;
  }

  boolean availableIn(int kernelMajor, int kernelMinor) {
    return kernelMajor > major || (kernelMajor == major && kernelMinor >= minor);
  }
}
