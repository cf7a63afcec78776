package dev.coroner.core.dump;

import java.util.Map;

/**
 * The values a dump name template may use. Values are raw; {@link NameTemplate} makes them safe for
 * a file name.
 */
public record NameFields(
    String uuid,
    long timestamp,
    String hostname,
    String exe,
    long pid,
    int signal,
    String namespace,
    String pod,
    String container) {

  Map<String, String> asMap() {
    return Map.of(
        "uuid", uuid,
        "timestamp", Long.toString(timestamp),
        "hostname", hostname,
        "exe", exe,
        "pid", Long.toString(pid),
        "signal", Integer.toString(signal),
        "namespace", namespace,
        "pod", pod,
        "container", container);
  }
}
