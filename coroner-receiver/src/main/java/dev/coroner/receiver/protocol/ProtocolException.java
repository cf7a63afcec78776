package dev.coroner.receiver.protocol;

import java.io.IOException;

/** The peer broke the coredump socket protocol, or would make us break it. */
public final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }
}
