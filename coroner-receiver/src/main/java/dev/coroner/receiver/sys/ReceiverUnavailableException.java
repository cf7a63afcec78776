package dev.coroner.receiver.sys;

import java.io.IOException;

/**
 * The receiver cannot run in this JVM (Java older than 22, classes not loaded from the
 * multi-release jar, or not Linux x86_64); the message is a sentence that says which and what to
 * do.
 */
public final class ReceiverUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  public ReceiverUnavailableException(String reason) {
    super(reason);
  }
}
