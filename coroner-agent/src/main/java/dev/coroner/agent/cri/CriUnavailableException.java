package dev.coroner.agent.cri;

/**
 * The container runtime did not answer: no socket, connection refused, or no reply before the
 * deadline. Metadata is then "unknown"; the capture goes on.
 */
public final class CriUnavailableException extends CriException {
  private static final long serialVersionUID = 1L;

  public CriUnavailableException(String message) {
    super(message);
  }

  public CriUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
