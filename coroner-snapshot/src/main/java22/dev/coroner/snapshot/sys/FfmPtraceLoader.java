package dev.coroner.snapshot.sys;

/**
 * Where {@code NativePtrace} gets the FFM calls on Java 22+: compiled for Java 22 next to the Java
 * 17 classes (not in {@code META-INF/versions/22}, so that the jar works with multi-release jars
 * off, as the CLI runs a snapshot: zstd-jni's own multi-release FFM path costs more than its JNI
 * one) and loaded only on Java 22+. It links libc through FFM once, on first use.
 */
public final class FfmPtraceLoader {
  private FfmPtraceLoader() {}

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
