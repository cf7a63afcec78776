package dev.coroner.dump;

import java.util.Arrays;
import java.util.Locale;

/** How the core is stored inside the dump zip. */
public enum Compression {
  /** zstd frame in {@code NAME.core.zst}; fast and the default. */
  ZSTD(".core.zst"),
  /** zip deflate of {@code NAME.core}; any unzip tool restores the raw core. */
  DEFLATE(".core"),
  /** raw {@code NAME.core}, for when CPU matters more than disk. */
  NONE(".core");

  private final String suffix;

  Compression(String suffix) {
    this.suffix = suffix;
  }

  /** The name of the core entry in the zip for a dump called {@code name}. */
  public String entryName(String name) {
    return name + suffix;
  }

  /** The lower-case name used in config and dump-info. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code zstd}, {@code deflate} or {@code none}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Compression parse(String text) {
    return Arrays.stream(values())
        .filter(c -> c.id().equalsIgnoreCase(text == null ? "" : text.trim()))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "compression must be zstd, deflate or none: '" + text + "'"));
  }
}
