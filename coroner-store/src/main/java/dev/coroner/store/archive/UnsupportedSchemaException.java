package dev.coroner.store.archive;

import java.io.IOException;

/**
 * A dump written by a newer coroner: its dump-info schema is newer than this one reads. Not damage:
 * the dump is fine, this program is old.
 */
public final class UnsupportedSchemaException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnsupportedSchemaException(String message) {
    super(message);
  }
}
