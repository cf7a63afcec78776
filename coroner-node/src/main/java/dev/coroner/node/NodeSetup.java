package dev.coroner.node;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.capture.lock.CaptureLock;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.receiver.kernel.SocketPatternWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Installs the composer as the kernel's core handler and removes it again, for {@code coroner
 * install} on one host and for the agent on a node; in socket mode also the receiver in front of it
 * ({@link ReceiverSetup}). Both directions are idempotent, replace files by rename (never rewriting
 * a file a running composer executes) and keep the kernel's previous settings so that uninstall
 * restores exactly them.
 */
public final class NodeSetup {
  /**
   * Serialises install and uninstall in this JVM: a shutdown hook that uninstalls (Ctrl-C during
   * {@code coroner demo}) must wait for an install in progress, or it would restore the settings
   * just before the install sets them again.
   */
  private static final Object LOCK = new Object();

  /**
   * Where the agent in a pod binds the coredump socket: the host's {@code /run/coroner}, mounted at
   * the same path, since the kernel looks the socket up from the host's root and follows no symlink
   * on the way. {@code /run} is a tmpfs that is no symlink on any distribution; a prefix may sit
   * under one ({@code /opt} on Fedora CoreOS). Its patterns count as this prefix's own, so that the
   * agent's install and uninstall (its preStop) restore the kernel over them.
   */
  public static final Path POD_SOCKET = Path.of("/run/coroner/coredump.sock");

  private final Path prefix;
  private final Path procSys;
  private final Layout layout;
  private final Consumer<String> progress;
  private final @Nullable SocketPatternWriter socketPatterns;

  /**
   * What a run did (or, for a dry run, would do), one line per step; for install, the mode it went
   * with and, when that is the pipe though the socket was wanted, why.
   */
  public record Report(List<String> steps, CaptureMode mode, List<String> why) {
    public Report {
      steps = List.copyOf(steps);
      why = List.copyOf(why);
    }

    Report(List<String> steps) {
      this(steps, CaptureMode.PIPE, List.of());
    }
  }

  public NodeSetup(Path prefix, Path procSys, Consumer<String> progress) {
    this(prefix, procSys, progress, null);
  }

  private NodeSetup(
      Path prefix,
      Path procSys,
      Consumer<String> progress,
      @Nullable SocketPatternWriter socketPatterns) {
    this.prefix = prefix.toAbsolutePath().normalize();
    this.procSys = procSys;
    this.layout = new Layout(this.prefix);
    this.progress = progress;
    this.socketPatterns = socketPatterns;
  }

  /**
   * The same setup, restoring a saved {@code @} pattern (another socket handler's) through {@code
   * writer}: from a pod, only a helper in the host's mount namespace may write one.
   */
  public NodeSetup writingSocketPatternsWith(SocketPatternWriter writer) {
    return new NodeSetup(prefix, procSys, progress, writer);
  }

  /** The core_pattern this prefix installs (the pipe composer's). */
  public String corePattern() {
    return layout.corePattern();
  }

  /** The kernel's core_pattern now: the pipe composer's, or the receiver's socket. */
  public String currentPattern() {
    try {
      return KernelSettings.read(procSys).corePattern();
    } catch (IOException | NumberFormatException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** Installs, or with {@code dryRun} only reports what install would change. */
  public Report install(InstallOptions options, boolean dryRun) throws InstallException {
    synchronized (LOCK) {
      return doInstall(options, dryRun);
    }
  }

  private Report doInstall(InstallOptions options, boolean dryRun) throws InstallException {
    checkCanChangeKernel();
    checkPattern();
    List<String> steps = new ArrayList<>();
    int feature = ComposerRuntime.javaFeature(options.javaHome());
    var release =
        new ComposerRuntime(
            layout.releases().resolve(releaseId(options, feature)),
            feature,
            options.composerJars());
    ReceiverSetup receiver = new ReceiverSetup(layout, procSys, progress);
    ReceiverSetup.Resolved mode = receiver.resolve(options, feature);
    ReceiverSetup.Steps step = what -> step(steps, dryRun, what);
    if (mode.mode() == CaptureMode.SOCKET) {
      progress.accept("mode: socket (the pipe composer stays as the fallback)");
    } else if (!mode.why().isEmpty()) {
      progress.accept("mode: pipe; socket mode is off: " + String.join(" ", mode.why()));
    } else {
      progress.accept("mode: pipe");
    }
    if (mode.mode() == CaptureMode.PIPE) {
      // First, so that the pipe pattern is back before the kernel settings are compared.
      receiver.remove(options, dryRun, step);
    }
    KernelSettings current = readKernel();
    String pattern = current.corePattern();
    boolean ours = isOurs(pattern, receiver);
    // A running receiver holds the socket pattern: that is installed, not to be undone.
    KernelSettings wanted =
        new KernelSettings(
            mode.mode() == CaptureMode.SOCKET
                    && receiver.isSocketPattern(pattern)
                    && receiver.running(options)
                ? pattern
                : layout.corePattern(),
            options.pipeLimit(),
            2);
    String config = properties(options);
    boolean configChanged = !same(layout.config(), config);
    String takeover = null;
    try {
      if (!release.isComplete()) {
        step(steps, dryRun, "build composer release " + release.dir());
        if (!dryRun) {
          release.build(options.javaHome(), layout, progress);
        }
      }
      if (!same(layout.config(), config)) {
        step(steps, dryRun, "write " + layout.config());
        if (!dryRun) {
          replace(layout.config(), config, AtomicFiles.PRIVATE_FILE);
        }
      }
      Path dumps = options.capture().dumpDir();
      if (!Files.isDirectory(dumps)) {
        step(steps, dryRun, "create dump directory " + dumps + " (0700)");
      } else if (!Files.getPosixFilePermissions(dumps).equals(AtomicFiles.PRIVATE_DIR)) {
        step(
            steps,
            dryRun,
            "narrow dump directory "
                + dumps
                + " from "
                + PosixFilePermissions.toString(Files.getPosixFilePermissions(dumps))
                + " to rwx------ (dumps hold secrets)");
      }
      if (!dryRun) {
        AtomicFiles.ensurePrivateDirectory(dumps);
        AtomicFiles.ensurePrivateDirectory(
            Objects.requireNonNull(layout.captureLock().getParent(), "the lock is in a directory"));
      }
      String launcher = release.launcher(layout);
      if (!same(layout.launcher(), launcher)) {
        step(steps, dryRun, "write launcher " + layout.launcher());
        if (!dryRun) {
          replace(layout.launcher(), launcher, AtomicFiles.PRIVATE_EXECUTABLE);
        }
      }
      if (!ours || !Files.exists(layout.backup())) {
        // A backup next to a foreign pattern is stale (a reboot reset the kernel): replace it.
        step(steps, dryRun, "save current kernel settings to " + layout.backup() + ": " + current);
        if (!dryRun) {
          Files.createDirectories(layout.backup().getParent());
          current.save(layout.backup());
        }
      }
      if (!current.equals(wanted)) {
        step(steps, dryRun, "set kernel settings " + wanted);
        if (!dryRun) {
          wanted.write(procSys);
        }
      }
      if (!dryRun) {
        removeOldReleases(release.dir());
      }
      if (mode.mode() == CaptureMode.SOCKET) {
        takeover = receiver.install(options, feature, configChanged, dryRun, step);
      }
    } catch (IOException e) {
      throw new InstallException("install failed: " + e.getMessage(), e);
    }
    if (takeover != null) {
      if (options.mode() == CaptureMode.SOCKET) {
        throw new InstallException(takeover + "; the pipe composer captures the crashes meanwhile");
      }
      progress.accept("warning: " + takeover + "; the pipe composer captures the crashes");
    }
    if (steps.isEmpty()) {
      step(steps, false, "already installed; nothing to change");
    }
    return new Report(steps, mode.mode(), mode.why());
  }

  /** Restores the saved kernel settings and removes the composer; dumps are kept. */
  public Report uninstall(boolean dryRun) throws InstallException {
    synchronized (LOCK) {
      return doUninstall(dryRun);
    }
  }

  private Report doUninstall(boolean dryRun) throws InstallException {
    checkCanChangeKernel();
    List<String> steps = new ArrayList<>();
    ReceiverSetup receiver = new ReceiverSetup(layout, procSys, progress);
    // The receiver goes first: it puts the pipe pattern back, then finishes its captures.
    receiver.remove(uninstallOptions(), dryRun, what -> step(steps, dryRun, what));
    KernelSettings current = readKernel();
    boolean ours = isOurs(current.corePattern(), receiver);
    try {
      if (Files.exists(layout.backup())) {
        KernelSettings saved = KernelSettings.load(layout.backup());
        if (ours) {
          step(steps, dryRun, "restore kernel settings " + saved);
          if (!dryRun) {
            saved.write(procSys, socketPatterns);
          }
        } else {
          step(
              steps,
              dryRun,
              "leave kernel settings alone: core_pattern was changed since install to '"
                  + current.corePattern()
                  + "'");
        }
      } else if (ours) {
        KernelSettings fallback = new KernelSettings("core", current.corePipeLimit(), 0);
        step(steps, dryRun, "no saved settings at " + layout.backup() + "; set " + fallback);
        if (!dryRun) {
          fallback.write(procSys);
        }
      }
      if (!dryRun && Files.exists(layout.captureLock())) {
        waitForCaptures();
      }
      for (Path p :
          List.of(layout.launcher(), layout.config(), layout.backup(), layout.captureLock())) {
        if (Files.exists(p)) {
          step(steps, dryRun, "remove " + p);
          if (!dryRun) {
            Files.delete(p);
          }
        }
      }
      if (Files.exists(layout.releases())) {
        step(steps, dryRun, "remove " + layout.releases());
        if (!dryRun) {
          ComposerRuntime.deleteTree(layout.releases());
        }
      }
      if (!dryRun) {
        Files.deleteIfExists(layout.backup().getParent());
        deleteIfEmpty(Layout.parent(layout.socket()));
      }
    } catch (IOException e) {
      throw new InstallException("uninstall failed: " + e.getMessage(), e);
    }
    if (steps.isEmpty()) {
      step(steps, false, "not installed under " + prefix + "; nothing to change");
    }
    return new Report(steps);
  }

  /** The pipe composer's pattern, the receiver's or the agent's in a pod ({@link #POD_SOCKET}). */
  private boolean isOurs(String pattern, ReceiverSetup receiver) {
    return pattern.equals(layout.corePattern())
        || receiver.isSocketPattern(pattern)
        || pattern.equals(SocketPattern.REQUEST.corePattern(POD_SOCKET))
        || pattern.equals(SocketPattern.STREAM.corePattern(POD_SOCKET));
  }

  /** What uninstall knows of the install: the capture timeout bounds the receiver's stop. */
  private InstallOptions uninstallOptions() {
    var capture = CaptureSettings.defaults();
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(layout.config())) {
      p.load(in);
      capture = CaptureSettings.fromProperties(p).settings();
    } catch (IOException | IllegalArgumentException e) {
      // defaults
    }
    return new InstallOptions(
        prefix, procSys, Path.of(System.getProperty("java.home")), List.of(), capture, 1);
  }

  private static void deleteIfEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // not empty: something else lives there
    }
  }

  /**
   * Waits for captures still running (crashes that began before the kernel settings were restored)
   * to finish, up to their watchdog's timeout, before their runtime goes.
   */
  private void waitForCaptures() throws IOException {
    Duration timeout = captureTimeout().plusSeconds(30);
    var idle = CaptureLock.whenIdle(layout.captureLock(), Duration.ZERO);
    if (idle.isEmpty()) {
      progress.accept(
          "waiting for captures in progress to finish (up to " + timeout.toSeconds() + " s)");
      idle = CaptureLock.whenIdle(layout.captureLock(), timeout);
    }
    if (idle.isEmpty()) {
      progress.accept(
          "captures still running after " + timeout.toSeconds() + " s; removing anyway");
      return;
    }
    idle.get().close();
  }

  private Duration captureTimeout() {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(layout.config())) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return CaptureSettings.defaults().timeout();
    }
    return CaptureSettings.fromProperties(p).settings().timeout();
  }

  private void step(List<String> steps, boolean dryRun, String what) {
    steps.add(what);
    progress.accept((dryRun ? "would " : "") + what);
  }

  private void checkCanChangeKernel() throws InstallException {
    Path pattern = procSys.resolve(KernelSettings.CORE_PATTERN);
    if (!isRoot()) {
      throw new InstallException(
          "changing the kernel's core handler needs root; run it again with sudo");
    }
    try {
      if (Files.getFileStore(pattern).isReadOnly() || !Files.isWritable(pattern)) {
        throw new InstallException(
            pattern
                + " is read-only (a container without privileges?); run on the host, or in a"
                + " privileged container with the host's /proc/sys");
      }
    } catch (IOException e) {
      throw new InstallException("cannot read " + pattern + ": " + e.getMessage(), e);
    }
  }

  private void checkPattern() throws InstallException {
    String pattern = layout.corePattern();
    if (pattern.length() > KernelSettings.MAX_PATTERN_LENGTH) {
      throw new InstallException(
          "the core_pattern for prefix "
              + prefix
              + " is "
              + pattern.length()
              + " characters; the kernel keeps only "
              + KernelSettings.MAX_PATTERN_LENGTH
              + ": choose a shorter prefix",
          InstallException.Setting.PREFIX);
    }
    if (prefix.toString().chars().anyMatch(Character::isWhitespace)) {
      throw new InstallException(
          "the kernel splits core_pattern at spaces; choose a prefix without spaces: " + prefix,
          InstallException.Setting.PREFIX);
    }
  }

  private KernelSettings readKernel() throws InstallException {
    try {
      return KernelSettings.read(procSys);
    } catch (IOException | NumberFormatException e) {
      throw new InstallException("cannot read kernel settings under " + procSys + ": " + e, e);
    }
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.substring(4).trim().split("\\s+")[1].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static String properties(InstallOptions options) throws InstallException {
    var out = new java.io.StringWriter();
    try {
      options.capture().toProperties().store(out, null);
    } catch (IOException e) {
      throw new InstallException("cannot render composer.properties", e);
    }
    // Properties.store writes a date comment; drop it so an unchanged config stays unchanged.
    return out.toString()
        .lines()
        .filter(l -> !l.startsWith("#"))
        .sorted()
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
  }

  /** The release id: version-independent, a hash of the payload and the JDK it runs on. */
  private static String releaseId(InstallOptions options, int feature) throws InstallException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path jar : options.composerJars()) {
        try (InputStream in = Files.newInputStream(jar)) {
          sha.update(in.readAllBytes());
        }
      }
      sha.update(options.javaHome().toRealPath().toString().getBytes(StandardCharsets.UTF_8));
      return "java" + feature + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new InstallException("cannot read the composer payload " + options.composerJars(), e);
    }
  }

  private static boolean same(Path file, String content) {
    try {
      return Files.exists(file) && Files.readString(file).equals(content);
    } catch (IOException e) {
      return false;
    }
  }

  /** Replaces {@code file} atomically ({@link AtomicFiles}): readers see old or new. */
  private static void replace(Path file, String content, Set<PosixFilePermission> mode)
      throws IOException {
    Files.createDirectories(file.getParent());
    AtomicFiles.writeString(file, mode, content);
  }

  /**
   * Removes releases other than the current one and the newest previous one: a crash that began
   * just before the launcher was replaced may still be starting from the previous release.
   */
  private void removeOldReleases(Path current) throws IOException {
    List<Path> others;
    try (var dirs = Files.list(layout.releases())) {
      others =
          dirs.filter(d -> !d.equals(current))
              .filter(d -> !d.getFileName().toString().startsWith(ReceiverSetup.RELEASE_PREFIX))
              .sorted((a, b) -> Long.compare(b.toFile().lastModified(), a.toFile().lastModified()))
              .toList();
    }
    for (Path old : others.subList(Math.min(1, others.size()), others.size())) {
      try {
        ComposerRuntime.deleteTree(old);
      } catch (IOException e) {
        progress.accept("could not remove old release " + old + ": " + e.getMessage());
      }
    }
  }
}
