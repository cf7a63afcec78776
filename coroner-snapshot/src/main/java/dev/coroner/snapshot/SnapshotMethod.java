package dev.coroner.snapshot;

import java.util.Locale;

/** How the memory of a snapshot is taken. */
public enum SnapshotMethod {
  /**
   * The process forks a copy-on-write child while its threads are stopped; the threads run on and
   * the core is written from the child. The freeze lasts as long as the fork (page tables).
   */
  FORK,
  /** The memory is read while every thread stays stopped, as gcore does: the freeze is the dump. */
  STOP;

  /** The id in dump-info and on the command line. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
