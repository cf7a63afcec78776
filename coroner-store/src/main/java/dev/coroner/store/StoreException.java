package dev.coroner.store;

import org.jspecify.annotations.Nullable;

/**
 * A store could not do what was asked. {@link #failure()} says what kind of failure it is; the
 * message says what happened in the store's own terms (a bucket, a path, an endpoint), never in a
 * front-end's (no CLI flags, no environment variables): the front-end adds its advice.
 */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  private final StoreFailure failure;

  public StoreException(StoreFailure failure, String message) {
    super(message);
    this.failure = failure;
  }

  public StoreException(StoreFailure failure, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.failure = failure;
  }

  /** The kind of failure. */
  public StoreFailure failure() {
    return failure;
  }
}
