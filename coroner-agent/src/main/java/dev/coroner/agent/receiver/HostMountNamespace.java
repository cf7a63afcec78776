package dev.coroner.agent.receiver;

import dev.coroner.receiver.kernel.SocketPatternWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's initial mount namespace, for an agent in a pod with {@code hostPID}. The kernel takes
 * an {@code @} core_pattern only from a writer in the initial mount namespace (EINVAL otherwise),
 * and looks the socket up from {@code init_task}'s root without following symlinks. A JVM cannot
 * {@code setns(CLONE_NEWNS)} itself (it has many threads), so {@link #writer} hands each such write
 * to a short-lived {@code nsenter} into the mount namespace of the reference process, chrooted back
 * into the agent's own root ({@code --root=/}, opened before the switch) so that the shell it runs
 * is the image's, whatever the host has. {@link #notTheHosts} tells whether a directory the agent
 * sees is the one the kernel finds there.
 *
 * <p>The reference process is kthreadd (PID 2), which shares {@code init_task}'s namespaces and
 * root, the very ones the kernel compares and resolves with; PID 1 where kthreadd cannot be read.
 * PID 1 may be undumpable (a VM's init), and then even root cannot open its {@code /proc} links.
 */
final class HostMountNamespace {
  /** Where nsenter may be; the agent image has util-linux's at /usr/bin/nsenter. */
  static final List<Path> NSENTER =
      List.of(
          Path.of("/usr/bin/nsenter"),
          Path.of("/bin/nsenter"),
          Path.of("/usr/sbin/nsenter"),
          Path.of("/sbin/nsenter"));

  /** The helper's script: the pattern comes on stdin, never in an argument. */
  static final String SCRIPT =
      "IFS= read -r p || exit 3; printf '%s\\n' \"$p\" > /proc/sys/kernel/core_pattern";

  private static final Pattern NS_INODE = Pattern.compile("[a-z]+:\\[(\\d{1,12})\\]");
  private static final long DYNAMIC_INODES = 0xF000_0000L;
  private static final int CAP_SYS_CHROOT = 18;
  private static final int CAP_SYS_ADMIN = 21;
  private static final long HELPER_SECONDS = 10;

  private final Path proc;
  private final long reference;

  private HostMountNamespace(Path proc, long reference) {
    this.proc = proc;
    this.reference = reference;
  }

  /** Where this process stands against the host's initial mount namespace. */
  sealed interface Where {}

  /** This process is in the initial mount namespace: it writes core_pattern itself. */
  record Initial() implements Where {}

  /**
   * This process has a mount namespace of its own (a pod's).
   *
   * @param host the host's namespace, to write through and compare with
   */
  record Pod(HostMountNamespace host) implements Where {}

  /**
   * Where it cannot run a socket receiver that the kernel would reach.
   *
   * @param why what is missing, as a sentence
   */
  record Unusable(String why) implements Where {}

  /** Where this process is, through {@code /proc}. */
  static Where locate() {
    return locate(Path.of("/proc"));
  }

  static Where locate(Path proc) {
    String pidNs;
    try {
      pidNs = Files.readSymbolicLink(proc.resolve("self/ns/pid")).toString();
    } catch (IOException | SecurityException e) {
      return new Unusable("Cannot read " + proc.resolve("self/ns/pid") + ": " + e + ".");
    }
    // Without hostPID, /proc/1 is the pod's own first process: nothing below could be trusted.
    if (!isReservedInode(pidNs)) {
      return new Unusable(
          "The agent is not in the host's PID namespace (it is in "
              + pidNs
              + "): the receiver needs hostPID: true (the chart sets it when agent.coreHandler is"
              + " not pipe), to open each crashing process's pidfd and to reach the host's mount"
              + " namespace.");
    }
    String self;
    try {
      self = Files.readSymbolicLink(proc.resolve("self/ns/mnt")).toString();
    } catch (IOException | SecurityException e) {
      return new Unusable("Cannot read " + proc.resolve("self/ns/mnt") + ": " + e + ".");
    }
    if (isReservedInode(self)) {
      // Newer kernels give the initial mount namespace a reserved number too (0xEFFFFFF8).
      return new Initial();
    }
    List<String> unreadable = new ArrayList<>();
    for (long pid : List.of(2L, 1L)) {
      Path link = proc.resolve(pid + "/ns/mnt");
      try {
        if (pid == 2 && !readOr(proc.resolve("2/comm"), "").strip().equals("kthreadd")) {
          continue;
        }
        String theirs = Files.readSymbolicLink(link).toString();
        return theirs.equals(self) ? new Initial() : new Pod(new HostMountNamespace(proc, pid));
      } catch (IOException | SecurityException e) {
        unreadable.add(link + ": " + e.getMessage());
      }
    }
    return new Unusable(
        "Cannot read the host's mount namespace ("
            + String.join("; ", unreadable)
            + "): the agent needs CAP_SYS_PTRACE and hostPID to find it (a privileged container).");
  }

  /** {@code pid:[4026531836]} (0xEFFFFFFC): a number only an initial namespace gets. */
  static boolean isReservedInode(String nsLink) {
    Matcher m = NS_INODE.matcher(nsLink);
    return m.matches() && Long.parseLong(m.group(1)) < DYNAMIC_INODES;
  }

  /** The process whose mount namespace and root the helper and the checks use (2 or 1). */
  long reference() {
    return reference;
  }

  /** The host's root, as the kernel resolves the socket's path from it. */
  Path hostRoot() {
    return proc.resolve(reference + "/root");
  }

  /**
   * Why the helper cannot work from here, one sentence each; empty when it can: nsenter, and the
   * capabilities setns(CLONE_NEWNS) and chroot need.
   */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (nsenter().isEmpty()) {
      problems.add(
          "The agent is in a pod's mount namespace and sets the socket pattern from the host's"
              + " through nsenter (util-linux), but there is none at "
              + NSENTER
              + ": run the agent image, which has it.");
    }
    long caps = effectiveCapabilities();
    List<String> missing = new ArrayList<>();
    if ((caps & (1L << CAP_SYS_ADMIN)) == 0) {
      missing.add("CAP_SYS_ADMIN");
    }
    if ((caps & (1L << CAP_SYS_CHROOT)) == 0) {
      missing.add("CAP_SYS_CHROOT");
    }
    if (!missing.isEmpty()) {
      problems.add(
          "The agent lacks "
              + String.join(" and ", missing)
              + ", which joining the host's mount namespace (setns) needs: run it privileged, as"
              + " the chart does.");
    }
    return problems;
  }

  private Optional<Path> nsenter() {
    return NSENTER.stream().filter(Files::isExecutable).findFirst();
  }

  /** CapEff of /proc/self/status; 0 when it cannot be read. */
  private long effectiveCapabilities() {
    for (String line : readOr(proc.resolve("self/status"), "").split("\n")) {
      if (line.startsWith("CapEff:")) {
        try {
          return Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /**
   * Why the directory {@code dir} this process sees is not the one the kernel finds at that path
   * from the host's root (which it walks without following symlinks); empty when each component is
   * a real directory on the host and {@code dir} has the same st_dev and st_ino on both sides.
   */
  Optional<String> notTheHosts(Path dir) {
    Path root = hostRoot();
    Path walked = root;
    for (Path part : dir) {
      walked = walked.resolve(part.toString());
      Path hostPath = Path.of("/").resolve(root.relativize(walked).toString());
      if (Files.isSymbolicLink(walked)) {
        return Optional.of(
            "On the host, "
                + hostPath
                + " is a symlink, and the kernel follows none on the socket's path: put the"
                + " socket under a path without one (/run/coroner).");
      }
      if (!Files.isDirectory(walked, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.of(
            "The host has no directory "
                + hostPath
                + " (seen through "
                + walked
                + "): mount the host's "
                + dir
                + " at "
                + dir
                + " (hostPath, DirectoryOrCreate; the chart does when agent.coreHandler is not"
                + " pipe).");
      }
    }
    try {
      String here = fileKey(dir);
      String there = fileKey(walked);
      if (!here.equals(there)) {
        return Optional.of(
            dir
                + " in the agent's mount namespace is not the host's (st_dev:st_ino "
                + here
                + " here, "
                + there
                + " on the host): the kernel would look for the socket on the host and find"
                + " none. Mount the host's "
                + dir
                + " at the same path (hostPath; the chart does when agent.coreHandler is not"
                + " pipe).");
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.of(
          "Cannot compare "
              + dir
              + " with the host's (through "
              + walked
              + "): "
              + e.getMessage()
              + ".");
    }
    return Optional.empty();
  }

  private static String fileKey(Path p) throws IOException {
    Object dev = Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    Object ino = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    return dev + ":" + ino;
  }

  /** Writes {@code @} patterns from the host's mount namespace, one helper run each. */
  SocketPatternWriter writer() {
    return this::write;
  }

  /** The helper's command line; the pattern goes to its stdin. */
  List<String> command(Path nsenter) {
    return List.of(
        nsenter.toString(),
        "--target",
        Long.toString(reference),
        "--mount",
        // Opened before the switch: the image's /bin/sh and its libraries, not the host's.
        "--root=/",
        "--wd=/",
        "--",
        "/bin/sh",
        "-c",
        SCRIPT,
        "coroner-core-pattern");
  }

  private void write(String pattern) throws IOException {
    Path nsenter =
        nsenter()
            .orElseThrow(
                () ->
                    new IOException(
                        "no nsenter at "
                            + NSENTER
                            + " to set it from the host's mount namespace (util-linux)"));
    List<String> command = command(nsenter);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write((pattern + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // it died before reading: its output says why
    }
    boolean done;
    try {
      done = p.waitFor(HELPER_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while " + command.get(0) + " set core_pattern", e);
    }
    if (!done) {
      p.destroyForcibly();
      throw new IOException(
          "'" + String.join(" ", command) + "' did not finish in " + HELPER_SECONDS + " s");
    }
    // The output is a line or two, far below a pipe's buffer: it is all there once it exited.
    String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      throw new IOException(
          "'"
              + String.join(" ", command.subList(0, 6))
              + " ...' (from the host's mount namespace) exited with "
              + p.exitValue()
              + (out.isEmpty() ? "" : ": " + out.replaceAll("\\p{Cntrl}", " "))
              + " (it needs hostPID, CAP_SYS_ADMIN and CAP_SYS_CHROOT: a privileged container)");
    }
  }

  private static String readOr(Path file, String fallback) {
    try {
      return Files.readString(file);
    } catch (IOException | SecurityException e) {
      return fallback;
    }
  }
}
