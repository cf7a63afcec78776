package dev.coroner.store;

/**
 * What kind of failure a {@link StoreException} is. Each front-end turns the kind into its own
 * advice (a CLI flag, an agent variable or chart value) and exit code or metric label; nothing
 * reads the message to find out what happened.
 */
public enum StoreFailure {
  /** The store's URL or settings are wrong (no bucket in the URL, no region). */
  CONFIG("config"),
  /** Credentials were refused or are missing. */
  AUTH("auth"),
  /** The bucket or the dump directory does not exist. */
  NO_STORE("bucket"),
  /** The network, the endpoint or a deadline failed: nothing answered in time. */
  UNREACHABLE("network"),
  /** What was stored is not what was sent or recorded (size, checksum). */
  INTEGRITY("verify"),
  /** The dump is not (or no longer) in the store. */
  NOT_FOUND("not_found"),
  /** This user may not read or change it (file permissions). */
  PERMISSION("permission"),
  /**
   * A dump is encrypted and no identity was given, or none of those given is one of its recipients
   * (or the ciphertext was tampered with).
   */
  KEY("key"),
  /** A local file could not be read or written (the disk, not the store). */
  LOCAL_IO("local"),
  /** Anything else the store answered. */
  OTHER("other");

  private final String label;

  StoreFailure(String label) {
    this.label = label;
  }

  /** A stable word for metrics ({@code coroner_uploads_total{result="auth"}}) and logs. */
  public String label() {
    return label;
  }
}
