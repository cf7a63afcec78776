package dev.coroner.dump.name;

import java.util.regex.Pattern;

/**
 * Whether a dump's name or uuid, which a crafted zip or object can set to anything, may become a
 * file name: only {@code [A-Za-z0-9._-]}, not starting with a dot, at most 200 characters. Nothing
 * read from a dump may choose a path; a name that fails falls back to the uuid, and a uuid that
 * fails to nothing.
 */
public final class SafeNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private SafeNames() {}

  /** Whether {@code name} is a safe file name as coroner writes them. */
  public static boolean isSafe(String name) {
    return name != null && NAME.matcher(name).matches() && !name.endsWith(".");
  }

  /** Whether {@code uuid} is a lower-case hex uuid as coroner writes them. */
  public static boolean isUuid(String uuid) {
    return uuid != null && UUID.matcher(uuid).matches();
  }

  /**
   * {@code name} if safe, else {@code uuid} if it is a uuid.
   *
   * @throws IllegalArgumentException when neither is
   */
  public static String fileName(String name, String uuid) {
    if (isSafe(name)) {
      return name;
    }
    if (isUuid(uuid)) {
      return uuid;
    }
    throw new IllegalArgumentException(
        "neither its name nor its uuid can be a file name ("
            + (name == null ? "no name" : name.length() + " characters")
            + ")");
  }
}
