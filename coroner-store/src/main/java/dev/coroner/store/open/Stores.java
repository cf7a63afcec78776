package dev.coroner.store.open;

import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.local.LocalStore;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Opens a store from its URL: {@code s3://bucket/prefix}, {@code file:///dir}, or a path (absolute
 * or relative to the working directory).
 */
public final class Stores {
  /** The store of a default single-host install. */
  public static final String DEFAULT = "file:///var/lib/coroner/dumps";

  private Stores() {}

  /**
   * Opens a store; {@code s3} says how to reach S3 for {@code s3://} URLs.
   *
   * @throws StoreException with {@link StoreFailure#CONFIG} for a URL that names no store
   */
  public static Store open(String url, S3Options s3) throws StoreException {
    if (url == null || url.isBlank()) {
      throw new StoreException(
          StoreFailure.CONFIG, "empty store URL; a directory, file:///dir or s3://bucket/prefix");
    }
    if (!url.contains("://")) {
      return new LocalStore(path(url));
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new StoreException(
          StoreFailure.CONFIG,
          "'" + url + "' is not a store URL (" + e.getReason() + " at index " + e.getIndex() + ")",
          e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    return switch (scheme) {
      case "file" -> new LocalStore(path(uri.getPath() == null ? "" : uri.getPath()));
      case "s3" -> S3Store.open(uri, s3);
      default ->
          throw new StoreException(
              StoreFailure.CONFIG,
              "unknown store '"
                  + url
                  + "'; stores are a directory, file:///dir or s3://bucket/prefix");
    };
  }

  private static Path path(String p) throws StoreException {
    try {
      return Path.of(p);
    } catch (InvalidPathException e) {
      throw new StoreException(StoreFailure.CONFIG, "not a directory path: '" + p + "'", e);
    }
  }
}
