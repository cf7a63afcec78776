package dev.coroner.store;

import java.util.List;

/**
 * How a user names a dump: its full name (with or without {@code .zip}), a unique prefix of its
 * uuid or name, {@code latest}, or {@code -N} for the N-th newest ({@code -1} is latest).
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
    List<StoredDump> matches =
        newestFirst.stream()
            .filter(d -> d.uuid().startsWith(name) || d.name().startsWith(name))
            .toList();
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
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
