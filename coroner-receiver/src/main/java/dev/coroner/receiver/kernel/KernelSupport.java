package dev.coroner.receiver.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks the running kernel whether it can hand cores to a socket, and sets core_pattern carefully:
 * core_modes does not tell {@code @} from {@code @@}, and some kernels take a write they cannot
 * honour, so a write is read back and undone on mismatch (as systemd does).
 */
public final class KernelSupport {
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

  private final Path proc;

  private KernelSupport(Path proc) {
    this.proc = proc;
  }

  /** This host's kernel, through /proc. */
  public static KernelSupport host() {
    return new KernelSupport(Path.of("/proc"));
  }

  /** A kernel seen through another proc tree (tests). */
  public static KernelSupport at(Path proc) {
    return new KernelSupport(proc);
  }

  /** What this kernel offers; never throws: what cannot be read counts as missing. */
  public KernelReport report() {
    String release = readOr(proc.resolve("sys/kernel/osrelease"), "unknown");
    Matcher m = RELEASE.matcher(release);
    int major = m.find() ? Integer.parseInt(m.group(1)) : -1;
    int minor = major >= 0 ? Integer.parseInt(m.group(2)) : -1;
    boolean socket =
        readOr(proc.resolve("sys/kernel/core_modes"), "").lines().anyMatch("socket"::equals);
    return new KernelReport(release, major, minor, socket, namespaceProblem());
  }

  private Optional<String> namespaceProblem() {
    // check_coredump_socket(): "Coredump socket must be located in the initial mount namespace"
    String self;
    String init;
    try {
      self = Files.readSymbolicLink(proc.resolve("self/ns/mnt")).toString();
      init = Files.readSymbolicLink(proc.resolve("1/ns/mnt")).toString();
    } catch (IOException | SecurityException e) {
      return Optional.of(
          "Cannot tell whether this process is in the initial mount namespace ("
              + e.getMessage()
              + "); the kernel refuses '@' core patterns from any other with EINVAL.");
    }
    if (self.equals(init)) {
      return Optional.empty();
    }
    return Optional.of(
        "This process is not in the initial mount namespace (it is in "
            + self
            + ", PID 1 in "
            + init
            + "): the kernel refuses '@' core patterns from here with EINVAL; set the pattern"
            + " from PID 1's mount namespace (hostPID and setns, e.g. nsenter -t 1 -m).");
  }

  /** The current core_pattern, without the kernel's trailing newline. */
  public String corePattern() throws IOException {
    return stripNewline(Files.readString(corePatternFile(), StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code pattern}, reads it back, and writes the previous value back if the kernel holds
   * anything else.
   *
   * @throws IOException core_pattern could not be read, or the previous value not written back
   */
  public PatternChange trySet(String pattern) throws IOException {
    String previous = corePattern();
    try {
      write(pattern);
    } catch (IOException e) {
      String current = corePattern();
      return new PatternChange(
          PatternChange.Status.REFUSED,
          previous,
          current,
          "The kernel refused core_pattern '" + pattern + "': " + e.getMessage() + ".");
    }
    String readBack = corePattern();
    if (readBack.equals(pattern)) {
      return new PatternChange(
          PatternChange.Status.SET, previous, readBack, "core_pattern is '" + pattern + "'.");
    }
    write(previous);
    return new PatternChange(
        PatternChange.Status.REVERTED,
        previous,
        readBack,
        "The kernel took core_pattern '"
            + pattern
            + "' but holds '"
            + readBack
            + "'; '"
            + previous
            + "' was put back.");
  }

  /** Writes {@code pattern} back unless the kernel already holds it. */
  public void restore(String pattern) throws IOException {
    if (!corePattern().equals(pattern)) {
      write(pattern);
    }
  }

  private void write(String pattern) throws IOException {
    Files.writeString(corePatternFile(), pattern, StandardCharsets.UTF_8);
  }

  private Path corePatternFile() {
    return proc.resolve("sys/kernel/core_pattern");
  }

  private static String readOr(Path file, String fallback) {
    try {
      return stripNewline(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | SecurityException e) {
      return fallback;
    }
  }

  private static String stripNewline(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
