package dev.coroner.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Executables and shared libraries kept beside the dumps, content-addressed by GNU build-id ({@code
 * ~coroner/binaries/BUILD_ID/FILE_NAME} in a bucket): a binary is stored once however many of its
 * crashes are, and a dump stays debuggable after its image or package is gone. Build-ids and file
 * names come from dump-info ({@link dev.coroner.dump.KeptBinary}); an implementation refuses any
 * that could name another place ({@link IllegalArgumentException}).
 */
public interface KeptBinaries {
  /** Whether the store holds this binary (one HEAD). */
  boolean contains(String buildId, String fileName) throws StoreException;

  /**
   * Stores {@code file} as this binary unless it is there already, and verifies what was stored
   * (size and checksum).
   *
   * @return the bytes sent: 0 when the store had it
   */
  long store(String buildId, String fileName, Path file) throws StoreException;

  /**
   * Copies a kept binary to {@code target}.
   *
   * @throws StoreException with {@link StoreFailure#NOT_FOUND} when the store does not hold it
   */
  void fetch(String buildId, String fileName, Path target) throws StoreException;

  /**
   * A URL that downloads the binary with a plain GET until {@code ttl} has passed; for debug pods.
   *
   * @throws StoreException with {@link StoreFailure#CONFIG} when this store cannot sign URLs
   */
  URI presign(String buildId, String fileName, Duration ttl) throws StoreException;

  /** Where the binary is (or would be), for messages. */
  String display(String buildId, String fileName);

  /**
   * Checks a build-id and a file name before they become part of a key or a path. Both come from
   * dump-info, which may lack them: null is refused as any other bad value is.
   *
   * @throws IllegalArgumentException if either could name another place
   */
  static void check(@Nullable String buildId, @Nullable String fileName) {
    if (!dev.coroner.dump.KeptBinary.isBuildId(buildId)) {
      throw new IllegalArgumentException("not a build-id: '" + buildId + "'");
    }
    if (fileName == null
        || !fileName.matches("[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}")
        || fileName.equals(".")
        || fileName.equals("..")) {
      throw new IllegalArgumentException("not a binary's file name: '" + fileName + "'");
    }
  }
}
