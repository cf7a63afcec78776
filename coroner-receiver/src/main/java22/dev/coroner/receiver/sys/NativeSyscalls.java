package dev.coroner.receiver.sys;

/**
 * Where {@link Syscalls#system()} comes from: the Java 22 version in {@code META-INF/versions/22},
 * which links libc through FFM once, on first use.
 */
public final class NativeSyscalls {
  private NativeSyscalls() {}

  /** The FFM calls, or a stub that says why they cannot be linked here. */
  public static Syscalls load() {
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final Syscalls INSTANCE = create();
  }

  private static Syscalls create() {
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    if (!os.equals("Linux") || !arch.equals("amd64")) {
      return new UnavailableSyscalls(
          UnavailableSyscalls.reasonFor(Runtime.version().feature(), os, arch));
    }
    try {
      return new FfmSyscalls();
    } catch (IllegalCallerException e) {
      return new UnavailableSyscalls(
          "the coredump socket receiver may not call native code in this JVM ("
              + e.getMessage()
              + "): start it with --enable-native-access=ALL-UNNAMED");
    } catch (RuntimeException | LinkageError e) {
      return new UnavailableSyscalls(
          "the coredump socket receiver could not link libc's socket calls: " + e);
    }
  }
}
