package dev.coroner.snapshot;

/** Progress of one snapshot, called on the snapshot's own thread; every method is optional. */
public interface SnapshotListener {
  /** About to stop the process's threads. */
  default void stopping(int pid) {}

  /** Every thread is stopped and its registers are copied. */
  default void stopped(int threads) {}

  /** The threads run again; {@code freezeMicros} is how long they were stopped. */
  default void resumed(long freezeMicros) {}

  /** The core is being written: {@code bytes} of core, from the process or its copy. */
  default void writing(long bytes) {}

  /** A listener that says nothing. */
  SnapshotListener NONE = new SnapshotListener() {};
}
