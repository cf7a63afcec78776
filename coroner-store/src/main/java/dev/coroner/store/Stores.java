package dev.coroner.store;

import dev.coroner.store.local.LocalStore;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import java.net.URI;
import java.nio.file.Path;

/** Opens a store from its URL: {@code file:///dir}, a plain path, or {@code s3://bucket/prefix}. */
public final class Stores {
  /** The store of a default single-host install. */
  public static final String DEFAULT = "file:///var/lib/coroner/dumps";

  private Stores() {}

  /**
   * Opens a store.
   *
   * @throws IllegalArgumentException for a URL that names no supported store
   */
  public static Store open(String url) {
    return open(url, S3Options.defaults(null, null, false));
  }

  /**
   * Opens a store; {@code s3} says how to reach S3 for {@code s3://} URLs.
   *
   * @throws IllegalArgumentException for a URL that names no supported store
   */
  public static Store open(String url, S3Options s3) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("empty store URL; use a directory or file:///dir");
    }
    if (url.startsWith("/") || url.startsWith(".")) {
      return new LocalStore(Path.of(url));
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a store URL: '" + url + "'", e);
    }
    if ("file".equals(uri.getScheme())) {
      return new LocalStore(Path.of(uri));
    }
    if ("s3".equals(uri.getScheme())) {
      return S3Store.open(uri, s3);
    }
    throw new IllegalArgumentException(
        "unknown store '" + url + "'; use a directory, file:///dir or s3://bucket/prefix");
  }
}
