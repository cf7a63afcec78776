package dev.coroner.snapshot.sys;

/** The stub in the base of the multi-release jar: every call fails with the reason. */
final class UnavailablePtrace implements Ptrace {
  private final String reason;

  UnavailablePtrace(String reason) {
    this.reason = reason;
  }

  /** Why this JVM runs the stub, for Java {@code feature} on {@code os}/{@code arch}. */
  static String reasonFor(int feature, String os, String arch) {
    if (feature < 22) {
      return "snapshots need Java 22 or newer (this is Java "
          + feature
          + "): run coroner with a Java 22+ runtime, e.g. JAVA=/usr/lib/jvm/temurin-25-jdk-amd64"
          + "/bin/java";
    }
    if (!os.equals("Linux") || !arch.equals("amd64")) {
      return "snapshots work on Linux x86_64 only (this is " + os + " " + arch + ")";
    }
    return "the snapshot engine's Java 22 classes are missing (this is Java "
        + feature
        + "): load coroner-snapshot from its multi-release jar built on Java 22+,"
        + " not from a classes directory or a jar built on Java 17";
  }

  private UnsupportedOperationException fail() {
    return new UnsupportedOperationException(reason);
  }

  @Override
  public String unavailableReason() {
    return reason;
  }

  @Override
  public void seize(int tid, long options) {
    throw fail();
  }

  @Override
  public void interrupt(int tid) {
    throw fail();
  }

  @Override
  public void setOptions(int tid, long options) {
    throw fail();
  }

  @Override
  public byte[] getRegset(int tid, int type, int maxSize) {
    throw fail();
  }

  @Override
  public void setRegset(int tid, int type, byte[] regs) {
    throw fail();
  }

  @Override
  public void singleStep(int tid, int signal) {
    throw fail();
  }

  @Override
  public void detach(int tid, int signal) {
    throw fail();
  }

  @Override
  public long eventMessage(int tid) {
    throw fail();
  }

  @Override
  public WaitStatus waitFor(int tid, boolean noHang) {
    throw fail();
  }

  @Override
  public void kill(int pid, int signal) {
    throw fail();
  }

  @Override
  public void tgkill(int tgid, int tid, int signal) {
    throw fail();
  }
}
