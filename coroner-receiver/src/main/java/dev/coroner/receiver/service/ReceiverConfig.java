package dev.coroner.receiver.service;

import dev.coroner.base.units.Durations;
import dev.coroner.capture.write.ReadAhead;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The standalone receiver's one config, from the system properties its launcher passes (the capture
 * settings themselves come from {@code composer.properties}, as the composer's do).
 *
 * @param configFile {@code coroner.config}: the composer's settings file
 * @param logFile {@code coroner.log}: the receiver's log
 * @param socket {@code coroner.socket}: where to listen (a root 0700 directory, no symlink)
 * @param fallbackPattern {@code coroner.fallback-pattern}: the pipe composer's pattern, put back on
 *     stop
 * @param workers {@code coroner.workers}: crashes captured at once; more wait in the backlog
 * @param closeGrace {@code coroner.close-grace}: how long a stop lets captures in flight finish
 * @param readAheadMib {@code coroner.read-ahead-mib}: buffers, in MiB, kept for reading a core
 *     ahead of its hash and compression, so that a crash whose core fits is released before they
 *     run (docs/receiver.md); 0 turns it off
 */
public record ReceiverConfig(
    @Nullable Path configFile,
    @Nullable Path logFile,
    Path socket,
    String fallbackPattern,
    int workers,
    Duration closeGrace,
    int readAheadMib) {

  public static final int DEFAULT_WORKERS = 2;

  /** Enough for a typical Node.js or small native core (the example app's is 48 MiB). */
  public static final int DEFAULT_READ_AHEAD_MIB = 48;

  /** The largest read-ahead: it lives on the heap for the life of the receiver. */
  public static final int MAX_READ_AHEAD_MIB = ReadAhead.MAX_MIB;

  public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(30);

  public ReceiverConfig {
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(fallbackPattern, "fallbackPattern");
  }

  /**
   * Parses the properties.
   *
   * @throws IllegalArgumentException naming the property and the value
   */
  public static ReceiverConfig from(Map<String, String> p) {
    return new ReceiverConfig(
        path(p, "coroner.config"),
        path(p, "coroner.log"),
        Path.of(required(p, "coroner.socket")),
        required(p, "coroner.fallback-pattern"),
        workers(p.getOrDefault("coroner.workers", Integer.toString(DEFAULT_WORKERS))),
        p.containsKey("coroner.close-grace")
            ? duration("coroner.close-grace", p.get("coroner.close-grace"))
            : DEFAULT_CLOSE_GRACE,
        readAhead(
            p.getOrDefault("coroner.read-ahead-mib", Integer.toString(DEFAULT_READ_AHEAD_MIB))));
  }

  /** From this JVM's system properties. */
  public static ReceiverConfig fromSystemProperties() {
    Map<String, String> p = new java.util.HashMap<>();
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("coroner.")) {
        p.put(k, System.getProperty(k));
      }
    }
    return from(p);
  }

  private static String required(Map<String, String> p, String key) {
    String v = p.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("-D" + key + " is missing");
    }
    return v;
  }

  private static @Nullable Path path(Map<String, String> p, String key) {
    String v = p.get(key);
    return v == null || v.isBlank() ? null : Path.of(v);
  }

  private static int workers(String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 64) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("coroner.workers must be 1 to 64: '" + v + "'");
  }

  private static int readAhead(String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0 && n <= MAX_READ_AHEAD_MIB) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(
        "coroner.read-ahead-mib must be 0 to " + MAX_READ_AHEAD_MIB + " (MiB): '" + v + "'");
  }

  private static Duration duration(String key, String v) {
    try {
      return Durations.parse(v);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(key + " must be a duration like 30s: '" + v + "'", e);
    }
  }
}
