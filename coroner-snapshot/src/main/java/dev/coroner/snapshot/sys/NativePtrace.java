package dev.coroner.snapshot.sys;

/**
 * Where {@link Ptrace#system()} comes from. On Java 22+ the FFM calls ({@code FfmPtraceLoader},
 * class files for Java 22 in the same jar, loaded only there); otherwise the stub that says why
 * this JVM cannot take snapshots.
 */
public final class NativePtrace {
  private static final String LOADER = "dev.coroner.snapshot.sys.FfmPtraceLoader";

  private NativePtrace() {}

  /** The FFM calls, or the stub with the sentence that says why this JVM cannot take snapshots. */
  public static Ptrace load() {
    int feature = Runtime.version().feature();
    String stub =
        UnavailablePtrace.reasonFor(
            feature, System.getProperty("os.name"), System.getProperty("os.arch"));
    if (feature < 22) {
      return new UnavailablePtrace(stub);
    }
    try {
      return (Ptrace) Class.forName(LOADER).getMethod("load").invoke(null);
    } catch (ClassNotFoundException e) {
      // built on Java 17: the jar has the stub only
      return new UnavailablePtrace(stub);
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      return new UnavailablePtrace("snapshots could not load their native calls: " + e);
    }
  }
}
