package dev.coroner.store;

import java.nio.file.Path;
import java.util.List;

/**
 * Where dumps are kept: a local directory on one host, or (next) S3-compatible object storage for a
 * cluster. Commands work on any store through this interface.
 */
public interface Store {
  /** The store's URL, for messages: {@code file:///var/lib/coroner/dumps}. */
  String url();

  /** Every finished dump, newest first. Unreadable dumps are listed with their problem. */
  List<StoredDump> list() throws StoreException;

  /** Copies the dump's zip to {@code target} (a file path), reporting progress. */
  void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException;

  /** Deletes the dump. */
  void delete(StoredDump dump) throws StoreException;

  /**
   * The dump's complete dump-info. A listing may carry only part of it (S3 object metadata); this
   * reads the rest.
   */
  default dev.coroner.dump.DumpInfo info(StoredDump dump) throws StoreException {
    return dump.info();
  }

  /** Whether the dump's location is a file on this machine. */
  default boolean isLocal() {
    return false;
  }
}
