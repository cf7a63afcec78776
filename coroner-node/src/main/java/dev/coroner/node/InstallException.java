package dev.coroner.node;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Node setup cannot go on; the message says why in node setup's own terms. When a setting is to
 * blame, {@link #setting()} names it, and each front-end names it its own way (a CLI option, an
 * agent variable and chart value).
 */
public final class InstallException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A setting the user can change to get past the failure. */
  public enum Setting {
    /** Where the composer is installed. */
    PREFIX,
    /** The JDK the composer's runtime is linked from. */
    JAVA_HOME
  }

  private final transient @Nullable Setting setting;

  public InstallException(String message) {
    this(message, (Setting) null);
  }

  public InstallException(String message, Throwable cause) {
    super(message, cause);
    this.setting = null;
  }

  public InstallException(String message, @Nullable Setting setting) {
    super(message);
    this.setting = setting;
  }

  public InstallException(String message, Setting setting, Throwable cause) {
    super(message, cause);
    this.setting = setting;
  }

  /** The setting to change, if one is to blame. */
  public Optional<Setting> setting() {
    return Optional.ofNullable(setting);
  }
}
