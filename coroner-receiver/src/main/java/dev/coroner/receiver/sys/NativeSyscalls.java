package dev.coroner.receiver.sys;

/**
 * Where {@link Syscalls#system()} comes from. This is the Java 17 base of the multi-release jar:
 * the stub. {@code META-INF/versions/22} replaces this class with the FFM implementation.
 */
public final class NativeSyscalls {
  private NativeSyscalls() {}

  /** The stub, with the sentence that says why this JVM has no receiver. */
  public static Syscalls load() {
    return new UnavailableSyscalls(
        UnavailableSyscalls.reasonFor(
            Runtime.version().feature(),
            System.getProperty("os.name"),
            System.getProperty("os.arch")));
  }
}
