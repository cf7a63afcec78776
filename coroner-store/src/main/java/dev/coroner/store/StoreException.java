package dev.coroner.store;

/**
 * A store cannot be reached or read: a missing directory, no permission, or (later) a network or
 * auth failure. The message says what to do.
 */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
