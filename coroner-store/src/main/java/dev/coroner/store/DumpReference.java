package dev.coroner.store;

import java.util.List;

/**
 * How a user names a dump: its full name (with or without {@code .zip}), a unique prefix of its
 * uuid or name, {@code latest}, {@code -N} for the N-th newest ({@code -1} is latest), or, as
 * coredumpctl does, a PID, an executable's path or a command name (the newest dump that matches).
 */
public final class DumpReference {
  private DumpReference() {}

  /** A reference that names no dump, or several. The message lists what to do. */
  public static final class UnresolvedException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnresolvedException(String message) {
      super(message);
    }
  }

  /**
   * Finds the dump a reference names.
   *
   * @param newestFirst the store's dumps, newest first
   * @param where the store's URL, for messages
   */
  public static StoredDump resolve(List<StoredDump> newestFirst, String ref, String where)
      throws UnresolvedException {
    String r = ref.trim();
    if (r.isEmpty()) {
      throw new UnresolvedException("empty dump reference; run 'coroner list' to see the dumps");
    }
    if (r.equals("latest") || r.matches("-\\d+")) {
      int n = r.equals("latest") ? 1 : Integer.parseInt(r.substring(1));
      if (n < 1) {
        throw new UnresolvedException(
            "'" + r + "': use -1 for the newest dump, -2 for the one before");
      }
      if (newestFirst.size() < n) {
        throw new UnresolvedException(
            newestFirst.isEmpty()
                ? "no dumps in " + where + " yet"
                : "only " + newestFirst.size() + " dumps in " + where + "; '" + r + "' is beyond");
      }
      return newestFirst.get(n - 1);
    }
    String name = r.endsWith(".zip") ? r.substring(0, r.length() - 4) : r;
    for (StoredDump d : newestFirst) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    // coredumpctl's habits: a PID or an executable path names the newest dump of it.
    boolean pid = r.length() < 12 && r.chars().allMatch(Character::isDigit);
    if (pid || r.startsWith("/")) {
      for (StoredDump d : newestFirst) {
        if (d.info() != null
            && (pid
                ? d.info().process().pid() == Long.parseLong(r)
                    || d.info().process().hostPid() == Long.parseLong(r)
                : r.equals(d.info().process().exePath()))) {
          return d;
        }
      }
    }
    List<StoredDump> matches =
        newestFirst.stream()
            .filter(d -> d.uuid().startsWith(name) || d.name().startsWith(name))
            .toList();
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      for (StoredDump d : newestFirst) {
        if (d.info() != null && r.equals(d.info().process().exe())) {
          return d; // a command name: its newest dump
        }
      }
      throw new UnresolvedException(
          "no dump '" + r + "' in " + where + "; run 'coroner list' to see what is there");
    }
    StringBuilder msg =
        new StringBuilder(
            "'" + r + "' matches " + matches.size() + " dumps; give more of the uuid:");
    matches.stream().limit(5).forEach(d -> msg.append("\n  ").append(d.name()));
    if (matches.size() > 5) {
      msg.append("\n  ...");
    }
    throw new UnresolvedException(msg.toString());
  }
}
