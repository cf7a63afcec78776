package dev.coroner.store;

import dev.coroner.dump.DumpInfo;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where dumps are kept: a local directory on one host, or object storage for a cluster. Every
 * command works on any store through this contract; what only some stores can do is asked for as a
 * capability ({@link #presignedDownloads()}, {@link #verifiedUploads()}), never found by a
 * downcast. Close it when done: a remote store holds connections.
 */
public interface Store extends AutoCloseable {
  /** The store's URL, for messages: {@code file:///var/lib/coroner/dumps}, {@code s3://b/p/}. */
  String url();

  /**
   * Every finished dump, newest first, with what a listing shows (a remote store may carry only
   * part of dump-info here; {@link #info} has all of it). Unreadable dumps are listed with their
   * problem.
   */
  List<StoredDump> list() throws StoreException;

  /** The dump's complete dump-info. */
  DumpInfo info(StoredDump dump) throws StoreException;

  /** Copies the dump's zip to {@code target} (a file path), reporting progress. */
  void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException;

  /** Opens the dump's zip as a stream, for readers that need it only once. */
  InputStream open(StoredDump dump) throws StoreException;

  /** Deletes the dump (and whatever the store keeps beside it). */
  void delete(StoredDump dump) throws StoreException;

  /** Presigned download URLs, if this store can make them. */
  default Optional<PresignedDownloads> presignedDownloads() {
    return Optional.empty();
  }

  /** Verified uploads, if this store takes them. */
  default Optional<VerifiedUploads> verifiedUploads() {
    return Optional.empty();
  }

  /** The executables and libraries kept beside the dumps by build-id, if this store keeps them. */
  default Optional<KeptBinaries> keptBinaries() {
    return Optional.empty();
  }

  /** Releases connections; never throws. */
  @Override
  void close();
}
