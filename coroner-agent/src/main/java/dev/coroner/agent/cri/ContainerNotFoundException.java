package dev.coroner.agent.cri;

/** The runtime answered but knows no container with that ID (already removed, or not CRI's). */
public final class ContainerNotFoundException extends CriException {
  private static final long serialVersionUID = 1L;

  public ContainerNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
