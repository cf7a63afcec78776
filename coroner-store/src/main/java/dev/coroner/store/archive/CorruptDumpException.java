package dev.coroner.store.archive;

import java.io.IOException;

/** A dump file that is not a readable, consistent dump. */
public final class CorruptDumpException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptDumpException(String message) {
    super(message);
  }

  public CorruptDumpException(String message, Throwable cause) {
    super(message, cause);
  }
}
