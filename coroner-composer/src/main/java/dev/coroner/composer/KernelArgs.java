package dev.coroner.composer;

import dev.coroner.capture.CrashFacts;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The values the kernel fills into the core_pattern. The installer writes the specifiers in {@link
 * #SPECIFIERS} order; a value that does not parse is kept as unknown (-1 or null) with a warning,
 * so that a bad pattern never stops a capture.
 */
public record KernelArgs(
    long hostPid,
    long pid,
    long hostTid,
    long tid,
    int signal,
    long timestamp,
    @Nullable String hostname,
    @Nullable String comm,
    @Nullable String exePath,
    @Nullable String coreLimit,
    long uid,
    long gid,
    int pidfd,
    List<String> warnings) {

  /** The specifiers, in the order the composer reads them. */
  public static final String SPECIFIERS = "%P %p %I %i %s %t %h %e %E %c %u %g %F";

  public KernelArgs {
    warnings = List.copyOf(warnings);
  }

  /** What the kernel said, for the dump; {@code timestamp} stands in for a missing {@code %t}. */
  public CrashFacts facts(long timestamp) {
    return new CrashFacts(
        hostPid, pid, hostTid, tid, signal, timestamp, hostname, comm, exePath, coreLimit, uid,
        gid);
  }

  /** Parses the arguments; never throws. */
  public static KernelArgs parse(String[] args) {
    List<String> warnings = new ArrayList<>();
    if (args.length != 13) {
      warnings.add(
          "expected 13 arguments ("
              + SPECIFIERS
              + "), got "
              + args.length
              + ": "
              + String.join(" ", args));
    }
    Field f = new Field(args, warnings);
    return new KernelArgs(
        f.number(0, "%P"),
        f.number(1, "%p"),
        f.number(2, "%I"),
        f.number(3, "%i"),
        (int) f.number(4, "%s"),
        f.number(5, "%t"),
        f.text(6),
        f.text(7),
        // %E is the path with '!' for '/'.
        f.text(8) == null ? null : f.text(8).replace('!', '/'),
        f.text(9),
        f.number(10, "%u"),
        f.number(11, "%g"),
        (int) f.number(12, "%F"),
        warnings);
  }

  /** Reads positional values, recording what does not parse. */
  // A view of the kernel's arguments, never compared or hashed.
  @SuppressWarnings("ArrayRecordComponent")
  private record Field(String[] args, List<String> warnings) {
    long number(int i, String spec) {
      if (i >= args.length) {
        return -1;
      }
      try {
        long v = Long.parseLong(args[i]);
        if (v >= 0) {
          return v;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      warnings.add(spec + " is not a number: '" + args[i] + "'");
      return -1;
    }

    @Nullable String text(int i) {
      return i < args.length && !args[i].isEmpty() ? args[i] : null;
    }
  }
}
