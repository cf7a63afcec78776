package dev.coroner.capture.identity;

/** What the agent decided to keep of a crash. */
public enum Decision {
  /** Keep everything: the core, the metadata and the container's log. */
  CAPTURE,
  /** Flood control: keep the metadata and the log, not the core. */
  METADATA_ONLY,
  /** Collection policy (namespace, opt-out label): keep nothing. */
  SKIP;

  /** The wire form: {@code capture}, {@code metadata-only}, {@code skip}. */
  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses {@link #id()}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Decision parse(String id) {
    for (Decision d : values()) {
      if (d.id().equals(id)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown decision '" + id + "'");
  }
}
