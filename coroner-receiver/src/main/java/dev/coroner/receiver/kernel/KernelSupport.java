package dev.coroner.receiver.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Asks the running kernel whether it can hand cores to a socket, and sets core_pattern carefully:
 * core_modes does not tell {@code @} from {@code @@}, and some kernels take a write they cannot
 * honour, so a write is read back and undone on mismatch (as systemd does).
 */
public final class KernelSupport {
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");
  private static final Pattern NS_INODE = Pattern.compile("[a-z]+:\\[(\\d{1,12})\\]");
  private static final long DYNAMIC_INODES = 0xF000_0000L;

  private final Path proc;
  private final @Nullable SocketPatternWriter socketWriter;

  private KernelSupport(Path proc, @Nullable SocketPatternWriter socketWriter) {
    this.proc = proc;
    this.socketWriter = socketWriter;
  }

  /** This host's kernel, through /proc. */
  public static KernelSupport host() {
    return new KernelSupport(Path.of("/proc"), null);
  }

  /** A kernel seen through another proc tree (tests). */
  public static KernelSupport at(Path proc) {
    return new KernelSupport(proc, null);
  }

  /**
   * The same kernel, with {@code @} patterns written by {@code writer} (from the initial mount
   * namespace, for a process outside it: a pod's); every other pattern is still written directly,
   * since the kernel takes a {@code |pipe} or file pattern from any mount namespace. The report
   * then no longer counts this process's namespace as a problem: the writer's failure says why.
   */
  public KernelSupport writingSocketPatternsWith(SocketPatternWriter writer) {
    return new KernelSupport(proc, writer);
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
    if (socketWriter != null) {
      return Optional.empty();
    }
    // check_coredump_socket(): "Coredump socket must be located in the initial mount namespace"
    String self;
    try {
      self = Files.readSymbolicLink(proc.resolve("self/ns/mnt")).toString();
    } catch (IOException | SecurityException e) {
      return Optional.of(cannotTell(e));
    }
    String init;
    try {
      init = Files.readSymbolicLink(proc.resolve("1/ns/mnt")).toString();
    } catch (IOException | SecurityException e) {
      // PID 1 may be undumpable, and then even root cannot read its ns links. The kernel gives
      // initial namespaces reserved inode numbers below the dynamic range (0xF0000000 up).
      return isReservedInode(self) ? Optional.empty() : Optional.of(cannotTell(e));
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

  /** {@code mnt:[4026531832]} (0xEFFFFFF8): a number only an initial namespace gets. */
  static boolean isReservedInode(String nsLink) {
    Matcher m = NS_INODE.matcher(nsLink);
    return m.matches() && Long.parseLong(m.group(1)) < DYNAMIC_INODES;
  }

  private static String cannotTell(Exception e) {
    String why =
        e instanceof AccessDeniedException denied
            ? denied.getFile() + ": permission denied"
            : e.toString();
    return "Cannot tell whether this process is in the initial mount namespace ("
        + why
        + "); the kernel refuses '@' core patterns from any other with EINVAL.";
  }

  /** The current core_pattern, without the kernel's trailing newline. */
  public String corePattern() throws IOException {
    return stripNewline(readSysctl(corePatternFile()));
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
    SocketPatternWriter writer = socketWriter;
    if (writer != null && pattern.startsWith("@")) {
      writer.write(pattern);
    } else {
      Files.writeString(corePatternFile(), pattern, StandardCharsets.UTF_8);
    }
  }

  private Path corePatternFile() {
    return proc.resolve("sys/kernel/core_pattern");
  }

  /** {@code net.core.somaxconn}, which caps every listen backlog; -1 if it cannot be read. */
  public int somaxconn() {
    try {
      return Integer.parseInt(readOr(proc.resolve("sys/net/core/somaxconn"), "").strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String readOr(Path file, String fallback) {
    try {
      return stripNewline(readSysctl(file));
    } catch (IOException | SecurityException e) {
      return fallback;
    }
  }

  /**
   * A sysctl in one read call: integer sysctls answer EOF to a read at a non-zero offset, and
   * {@code Files.readString} starts a file of size 0 with a 1-byte read, so it reads somaxconn 4096
   * as "4".
   */
  private static String readSysctl(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[8192];
      int n = in.read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }
  }

  private static String stripNewline(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
