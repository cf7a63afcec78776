package dev.coroner.store;

import dev.coroner.dump.DumpInfo;
import java.nio.file.Path;

/**
 * A store that takes uploads of finished dumps and verifies each one (size and checksum) before it
 * returns, so that the caller may delete its local copy. What the agent needs.
 */
public interface VerifiedUploads {
  /** What an upload left in the store, as verified. */
  record Uploaded(DumpLocation location, long size, String checksum) {}

  /**
   * Uploads a finished dump zip described by {@code info} and verifies what was stored.
   *
   * @throws StoreException with {@link StoreFailure#INTEGRITY} when the stored object differs
   */
  Uploaded upload(Path zip, DumpInfo info) throws StoreException;

  /**
   * Makes the listing index current for everything uploaded so far (the agent calls it when its
   * queue drains). Dumps not yet in the index are still listed, only more slowly.
   */
  default void flushIndex() throws StoreException {}
}
