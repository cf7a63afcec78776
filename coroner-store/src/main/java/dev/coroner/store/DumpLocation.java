package dev.coroner.store;

import java.net.URI;
import java.nio.file.Path;

/** Where a stored dump's zip is: a file on this machine, or an object in a bucket. */
public sealed interface DumpLocation permits DumpLocation.LocalFile, DumpLocation.StoredObject {

  /** For messages and {@code -o json}: a path, or {@code s3://bucket/key}. */
  String display();

  /** A zip in a local dump directory. */
  record LocalFile(Path path) implements DumpLocation {
    @Override
    public String display() {
      return path.toString();
    }
  }

  /**
   * An object in a bucket.
   *
   * @param scheme the store's URL scheme ({@code s3}), for {@link #display()}
   */
  record StoredObject(String scheme, String bucket, String key) implements DumpLocation {
    @Override
    public String display() {
      return scheme + "://" + bucket + "/" + key;
    }

    /** The same as a URI. */
    public URI uri() {
      return URI.create(display());
    }
  }
}
