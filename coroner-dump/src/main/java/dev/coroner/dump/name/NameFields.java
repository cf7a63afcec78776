package dev.coroner.dump.name;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The values a dump name template may use. Values are raw; {@link NameTemplate} makes them safe for
 * a file name.
 */
public record NameFields(
    String uuid,
    long timestamp,
    @Nullable String hostname,
    @Nullable String exe,
    long pid,
    int signal,
    @Nullable String namespace,
    @Nullable String pod,
    @Nullable String container,
    @Nullable String podUid) {

  /** Field name to value; a missing (null) value stays null and is named "unknown". */
  Map<String, @Nullable String> asMap() {
    Map<String, @Nullable String> m = new HashMap<>();
    m.put("uuid", uuid);
    m.put("timestamp", Long.toString(timestamp));
    m.put("hostname", hostname);
    m.put("exe", exe);
    m.put("pid", Long.toString(pid));
    m.put("signal", Integer.toString(signal));
    m.put("namespace", namespace);
    m.put("pod", pod);
    m.put("container", container);
    m.put("pod_uid", podUid);
    return m;
  }
}
