package dev.coroner.snapshot.sys;

/**
 * Where {@link Ptrace#system()} comes from. This is the Java 17 base of the multi-release jar: the
 * stub. {@code META-INF/versions/22} replaces this class with the FFM implementation.
 */
public final class NativePtrace {
  private NativePtrace() {}

  /** The stub, with the sentence that says why this JVM cannot take snapshots. */
  public static Ptrace load() {
    return new UnavailablePtrace(
        UnavailablePtrace.reasonFor(
            Runtime.version().feature(),
            System.getProperty("os.name"),
            System.getProperty("os.arch")));
  }
}
