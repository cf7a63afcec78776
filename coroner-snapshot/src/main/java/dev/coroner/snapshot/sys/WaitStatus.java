package dev.coroner.snapshot.sys;

/** What {@code waitpid} said about one task: who, and the raw status word. */
public record WaitStatus(int tid, int status) {
  /** The task exited normally. */
  public boolean exited() {
    return (status & 0x7f) == 0;
  }

  /** The task was killed by a signal. */
  public boolean killed() {
    int low = status & 0x7f;
    return low != 0 && low != 0x7f;
  }

  /** The task is gone (exited or killed). */
  public boolean gone() {
    return exited() || killed();
  }

  /** The task is in a ptrace stop. */
  public boolean stopped() {
    return (status & 0xff) == 0x7f;
  }

  /** The stop's signal ({@code WSTOPSIG}), or 0 when not stopped. */
  public int stopSignal() {
    return stopped() ? (status >> 8) & 0xff : 0;
  }

  /** The ptrace event of the stop ({@code status >> 16}), 0 for a signal-delivery stop. */
  public int event() {
    return stopped() ? status >>> 16 : 0;
  }

  /**
   * A signal-delivery stop: a signal was about to be delivered to the thread; it must be passed on
   * when the thread resumes, or the process loses it.
   */
  public boolean signalDelivery() {
    return stopped() && event() == 0 && stopSignal() != 0;
  }

  @Override
  public String toString() {
    if (exited()) {
      return "tid " + tid + " exited " + ((status >> 8) & 0xff);
    }
    if (killed()) {
      return "tid " + tid + " killed by signal " + (status & 0x7f);
    }
    return "tid " + tid + " stopped, signal " + stopSignal() + ", event " + event();
  }
}
