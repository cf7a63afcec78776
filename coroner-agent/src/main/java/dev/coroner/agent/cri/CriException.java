package dev.coroner.agent.cri;

/** A CRI lookup that failed; the subclasses say whether the runtime or the container is missing. */
public class CriException extends Exception {
  private static final long serialVersionUID = 1L;

  public CriException(String message) {
    super(message);
  }

  public CriException(String message, Throwable cause) {
    super(message, cause);
  }
}
