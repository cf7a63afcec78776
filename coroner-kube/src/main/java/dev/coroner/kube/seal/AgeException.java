package dev.coroner.kube.seal;

/** Sealed text that this identity cannot open: not for it, damaged, or not age at all. */
public final class AgeException extends Exception {
  private static final long serialVersionUID = 1L;

  public AgeException(String message) {
    super(message);
  }

  public AgeException(String message, Throwable cause) {
    super(message, cause);
  }
}
