package dev.coroner.store;

/** Told how a long transfer advances, for progress bars. */
public interface TransferListener {
  /** No progress reporting. */
  TransferListener NONE = (done, total) -> {};

  /** {@code done} of {@code total} bytes transferred so far. */
  void progress(long done, long total);
}
