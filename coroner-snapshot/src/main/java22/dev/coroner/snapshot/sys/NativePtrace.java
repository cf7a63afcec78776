package dev.coroner.snapshot.sys;

/**
 * Where {@link Ptrace#system()} comes from: the Java 22 version in {@code META-INF/versions/22},
 * which links libc through FFM once, on first use.
 */
public final class NativePtrace {
  private NativePtrace() {}

  /** The FFM calls, or a stub that says why they cannot be linked here. */
  public static Ptrace load() {
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final Ptrace INSTANCE = create();
  }

  private static Ptrace create() {
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    if (!os.equals("Linux") || !arch.equals("amd64")) {
      return new UnavailablePtrace(
          UnavailablePtrace.reasonFor(Runtime.version().feature(), os, arch));
    }
    try {
      return new FfmPtrace();
    } catch (IllegalCallerException e) {
      return new UnavailablePtrace(
          "snapshots may not call native code in this JVM ("
              + e.getMessage()
              + "): start it with --enable-native-access=ALL-UNNAMED");
    } catch (RuntimeException | LinkageError e) {
      return new UnavailablePtrace("snapshots could not link libc's ptrace: " + e);
    }
  }
}
