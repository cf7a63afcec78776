package dev.coroner.controller.config;

import static dev.coroner.controller.config.ControllerVariable.*;

import dev.coroner.base.units.Durations;
import dev.coroner.store.s3.S3Options;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The controller's whole configuration, read once at start from the environment as {@link
 * ControllerVariable} lists it. Credentials are not part of it: the AWS SDK's default chain finds
 * them (a Secret's keys or IRSA), and the Kubernetes client its service account.
 *
 * @param store the dumps' store, {@code s3://bucket/prefix}
 * @param s3 how to reach S3
 * @param urlTtl how long a presigned URL lives
 * @param retention CoreDumps older than this are deleted with their objects; zero keeps them
 * @param resyncInterval how often CoreDumps are made to match the bucket
 * @param hostNamespace where host processes' CoreDumps live
 * @param namespace the controller's own namespace
 * @param identity this replica's name in the Lease
 * @param lease the Lease's name
 * @param leaderElection whether to elect a leader
 * @param healthPort the port of /healthz and /readyz
 */
public record ControllerConfig(
    URI store,
    S3Options s3,
    Duration urlTtl,
    Duration retention,
    Duration resyncInterval,
    String hostNamespace,
    String namespace,
    String identity,
    String lease,
    boolean leaderElection,
    int healthPort) {

  /** The longest URL the controller signs. */
  public static final Duration MAX_URL_TTL = Duration.ofMinutes(15);

  /** A bad or missing variable; the message names it and its value. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
      super(message);
    }
  }

  /** Reads the configuration, reporting every bad variable at once. */
  public static ControllerConfig from(Map<String, String> env) throws ConfigException {
    List<String> errors = new ArrayList<>();
    Reader r = new Reader(env, errors);
    URI store = r.optional(CORONER_STORE, null, URI::create);
    if (store == null) {
      errors.add("CORONER_STORE is required: the dumps' store, s3://bucket/prefix");
    } else if (!"s3".equals(store.getScheme()) || store.getHost() == null) {
      errors.add("CORONER_STORE must be an s3://bucket/prefix URL: '" + store + "'");
    }
    URI endpoint = r.optional(AWS_ENDPOINT_URL_S3, env.get("AWS_ENDPOINT_URL"), URI::create);
    boolean pathStyle =
        r.get(CORONER_S3_PATH_STYLE, String.valueOf(endpoint != null), Reader::bool);
    String namespace = r.get(CORONER_POD_NAMESPACE, Reader::name);
    String identity = env.get(CORONER_POD_NAME.name());
    Duration urlTtl = r.get(CORONER_URL_TTL, Reader::urlTtl);
    Duration retention = r.get(CORONER_RETENTION, Reader::retention);
    Duration resyncInterval = r.get(CORONER_RESYNC_INTERVAL, Reader::positive);
    String hostNamespace = r.get(CORONER_HOST_NAMESPACE, namespace, Reader::name);
    String lease = r.get(CORONER_LEASE_NAME, Reader::name);
    boolean leaderElection = r.get(CORONER_LEADER_ELECTION, Reader::bool);
    int healthPort = r.get(CORONER_HEALTH_PORT, Reader::port);
    if (store == null || !errors.isEmpty()) {
      throw new ConfigException(String.join("\n", errors));
    }
    return new ControllerConfig(
        store,
        S3Options.defaults(endpoint, env.get(CORONER_S3_REGION.name()), pathStyle)
            .withIndexId("controller"),
        urlTtl,
        retention,
        resyncInterval,
        hostNamespace,
        namespace,
        identity == null || identity.isBlank()
            ? "coroner-controller-" + ProcessHandle.current().pid()
            : identity.trim(),
        lease,
        leaderElection,
        healthPort);
  }

  /** Reads one variable; a bad value is recorded with its name and text. */
  private record Reader(Map<String, String> env, List<String> errors) {
    /** The variable, else its default in {@link ControllerVariable}. */
    <T> T get(ControllerVariable v, Function<String, T> parse) {
      String fallback =
          Objects.requireNonNull(
              v.defaultValue(), () -> v.name() + " has no default in ControllerVariable");
      return get(v, fallback, parse);
    }

    /** The variable, else {@code fallback}; a bad value is recorded and gives the fallback's. */
    <T> T get(ControllerVariable v, String fallback, Function<String, T> parse) {
      T value = optional(v, fallback, parse);
      return value != null ? value : parse.apply(fallback);
    }

    /**
     * The variable, else {@code fallback}, else null; a bad value is recorded and gives the
     * fallback's, or null when the fallback is bad too (it was recorded as the value).
     */
    <T> @Nullable T optional(
        ControllerVariable v, @Nullable String fallback, Function<String, T> parse) {
      String value = env.get(v.name());
      if (value == null || value.isBlank()) {
        value = fallback;
      }
      if (value == null) {
        return null;
      }
      try {
        return parse.apply(value.trim());
      } catch (RuntimeException e) {
        errors.add(v.name() + ": " + e.getMessage() + " (got '" + value + "')");
        if (fallback == null || value.equals(fallback)) {
          return null;
        }
        try {
          return parse.apply(fallback.trim());
        } catch (RuntimeException again) {
          return null;
        }
      }
    }

    static boolean bool(String v) {
      return switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "yes", "1" -> true;
        case "false", "no", "0" -> false;
        default -> throw new IllegalArgumentException("must be true or false");
      };
    }

    static Duration urlTtl(String v) {
      Duration d = Durations.parse(v);
      if (d.toMillis() < 1000 || d.compareTo(MAX_URL_TTL) > 0) {
        throw new IllegalArgumentException("must be 1s to 15m: a URL grants a whole core");
      }
      return d;
    }

    static Duration retention(String v) {
      return v.equals("0") ? Duration.ZERO : Durations.parse(v);
    }

    static Duration positive(String v) {
      Duration d = Durations.parse(v);
      if (d.toMillis() < 1000) {
        throw new IllegalArgumentException("must be at least 1s");
      }
      return d;
    }

    static int port(String v) {
      int n;
      try {
        n = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("must be a port number, 0 to 65535", e);
      }
      if (n < 0 || n > 65535) {
        throw new IllegalArgumentException("must be a port number, 0 to 65535");
      }
      return n;
    }

    static String name(String v) {
      if (!v.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
        throw new IllegalArgumentException("must be a Kubernetes name (lower case, digits, '-')");
      }
      return v;
    }
  }
}
