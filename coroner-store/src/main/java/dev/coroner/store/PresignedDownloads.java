package dev.coroner.store;

import java.net.URI;
import java.time.Duration;

/**
 * A store that can hand out a URL that downloads one dump's zip with a plain HTTP GET until it
 * expires (S3 presigned URLs; Azure SAS and GCS signed URLs next). The URL is a bearer capability:
 * whoever holds it reads the dump until it expires.
 */
public interface PresignedDownloads {
  /** How long a URL lives unless the caller says otherwise. */
  Duration DEFAULT_TTL = Duration.ofMinutes(15);

  /** The longest a URL may live: it grants a whole core. */
  Duration MAX_TTL = Duration.ofHours(1);

  /**
   * A URL for the dump's zip, valid for {@code ttl}.
   *
   * @throws IllegalArgumentException when {@code ttl} is not in (0, {@link #MAX_TTL}]
   */
  URI presign(StoredDump dump, Duration ttl) throws StoreException;
}
