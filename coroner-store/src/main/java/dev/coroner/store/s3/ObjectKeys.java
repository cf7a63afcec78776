package dev.coroner.store.s3;

import dev.coroner.dump.DumpInfo;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The object key of a dump, from the key template and the dump's own fields. Those fields come from
 * a crashed, possibly hostile process (its hostname, its comm) and from a zip anyone who can write
 * the dump directory could have shaped: every field is reduced to {@code [A-Za-z0-9._-]}, and the
 * name and uuid must have the form coroner writes, so no key can climb out of its prefix or collide
 * with coroner's own objects.
 */
final class ObjectKeys {
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

  private final String template;

  ObjectKeys(String template) {
    this.template = template;
  }

  /**
   * The key under the prefix for a dump; {@code suffix} (or null) is appended to its name to keep a
   * second dump of the same name apart.
   *
   * @throws IllegalArgumentException when the dump's uuid is not a uuid
   */
  String keyFor(DumpInfo info, @Nullable String suffix) {
    if (info.uuid() == null || !UUID.matcher(info.uuid()).matches()) {
      throw new IllegalArgumentException("its uuid is not a uuid: '" + shown(info.uuid()) + "'");
    }
    String name =
        info.name() != null && NAME.matcher(info.name()).matches() && !info.name().endsWith(".")
            ? info.name()
            : info.uuid();
    if (suffix != null) {
      name = name + "-" + suffix;
    }
    String namespace =
        info.pod() != null
            ? info.pod().namespace()
            : info.process().containerId() == null ? "host" : "unknown";
    String pod = info.pod() != null ? info.pod().name() : info.hostname();
    return template
        .replace("{namespace}", segment(namespace))
        .replace("{pod}", segment(pod))
        .replace("{container}", segment(info.pod() == null ? null : info.pod().container()))
        .replace("{pod_uid}", segment(info.pod() == null ? null : info.pod().uid()))
        .replace("{node}", segment(info.nodeHostname()))
        .replace("{uuid}", info.uuid())
        .replace("{name}", name);
  }

  /**
   * One path segment: never empty, never {@code .} or {@code ..}, never starting with {@code ~}.
   */
  static String segment(@Nullable String v) {
    if (v == null || v.isEmpty()) {
      return "unknown";
    }
    String s = v.replaceAll("[^A-Za-z0-9._-]", "_");
    if (s.length() > 100) {
      s = s.substring(0, 100);
    }
    if (s.chars().allMatch(c -> c == '.')) {
      return "_" + s.substring(1);
    }
    return s;
  }

  private static String shown(String v) {
    return v == null ? "" : v.replaceAll("[^ -~]", "?");
  }
}
