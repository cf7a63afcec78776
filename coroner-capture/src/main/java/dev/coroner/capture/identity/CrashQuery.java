package dev.coroner.capture.identity;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What the composer tells the agent about a crash before it reads the core: enough for the agent to
 * resolve the container's pod through the container runtime and to decide whether to keep the core.
 * Sent as {@link Properties} text over the agent's unix socket, so the composer needs no JSON
 * parser.
 *
 * @param uuid the dump's uuid
 * @param containerId the 64-hex container ID from {@code /proc/PID/cgroup}
 * @param hostPid the crashed process's PID as the host sees it
 * @param exe the executable's name ({@code %e})
 * @param signal the signal number
 */
public record CrashQuery(
    String uuid, String containerId, long hostPid, @Nullable String exe, int signal) {

  /** Serialises for the socket. */
  public String encode() {
    Properties p = new Properties();
    p.setProperty("uuid", uuid);
    p.setProperty("container_id", containerId);
    p.setProperty("host_pid", Long.toString(hostPid));
    p.setProperty("exe", exe == null ? "" : exe);
    p.setProperty("signal", Integer.toString(signal));
    return Wire.store(p);
  }

  /**
   * Parses what {@link #encode()} wrote.
   *
   * @throws IllegalArgumentException if a field is missing or malformed
   */
  public static CrashQuery decode(String text) {
    Properties p = Wire.load(text);
    String containerId = Wire.required(p, "container_id");
    if (!containerId.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("container_id is not a 64-hex ID: '" + containerId + "'");
    }
    return new CrashQuery(
        Wire.required(p, "uuid"),
        containerId,
        Wire.number(p, "host_pid"),
        p.getProperty("exe", ""),
        (int) Wire.number(p, "signal"));
  }

  /** Properties text both ends share. */
  static final class Wire {
    private Wire() {}

    static String store(Properties p) {
      StringWriter out = new StringWriter();
      try {
        p.store(out, null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toString();
    }

    static Properties load(String text) {
      Properties p = new Properties();
      try {
        p.load(new StringReader(text));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p;
    }

    static String required(Properties p, String key) {
      String v = p.getProperty(key);
      if (v == null || v.isEmpty()) {
        throw new IllegalArgumentException("missing " + key);
      }
      return v;
    }

    static long number(Properties p, String key) {
      try {
        return Long.parseLong(required(p, key));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " is not a number: '" + p.getProperty(key) + "'");
      }
    }
  }
}
