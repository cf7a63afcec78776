package dev.coroner.store;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where a stored dump's zip is: a file on this machine, an object in a bucket, or (cluster mode)
 * the Kubernetes resource that stands for it.
 */
public sealed interface DumpLocation
    permits DumpLocation.LocalFile, DumpLocation.StoredObject, DumpLocation.Resource {

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

  /**
   * A CoreDump resource in a Kubernetes namespace: the dump as the cluster shows it to a user who
   * has no bucket credentials (the controller hands out its object through download requests).
   */
  record Resource(String namespace, String name) implements DumpLocation {
    @Override
    public String display() {
      return "k8s://" + namespace + "/coredumps/" + name;
    }
  }
}
