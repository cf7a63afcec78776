package dev.coroner.node;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.receiver.kernel.KernelSupport;
import dev.coroner.receiver.kernel.SocketPattern;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The socket half of node setup: the receiver's release, its launcher, and the service that keeps
 * it running (a supervisor script, or a systemd unit), in front of the pipe composer, which stays
 * installed: it is the pattern the receiver and its service put back whenever the receiver stops.
 */
final class ReceiverSetup {
  /** Releases of the receiver are named so; the composer's are not. */
  static final String RELEASE_PREFIX = "receiver-";

  /** How long install waits for a started receiver to point core_pattern at its socket. */
  private static final Duration TAKEOVER = Duration.ofSeconds(60);

  /** One step of a run; a dry run only prints it. */
  interface Steps {
    void add(String what);
  }

  /** The mode install goes with, and why when it is not the one asked for. */
  record Resolved(CaptureMode mode, List<String> why) {}

  private final Layout layout;
  private final Path procSys;
  private final Consumer<String> progress;

  ReceiverSetup(Layout layout, Path procSys, Consumer<String> progress) {
    this.layout = layout;
    this.procSys = procSys;
    this.progress = progress;
  }

  /**
   * Socket or pipe. {@link CaptureMode#AUTO} takes the socket where this host allows it, else the
   * pipe with the reasons; {@link CaptureMode#SOCKET} that cannot be had fails with them.
   */
  Resolved resolve(InstallOptions options, int javaFeature) throws InstallException {
    if (options.mode() == CaptureMode.PIPE) {
      return new Resolved(CaptureMode.PIPE, List.of());
    }
    List<String> problems =
        SocketSupport.problems(
            layout,
            KernelSupport.at(Layout.parent(procSys)).report(),
            options.javaHome(),
            javaFeature,
            options.receiverJars());
    if (problems.isEmpty()) {
      return new Resolved(CaptureMode.SOCKET, List.of());
    }
    if (options.mode() == CaptureMode.SOCKET) {
      throw new InstallException(
          "socket mode is not possible here: "
              + String.join(" ", problems)
              + " Install with --mode pipe (or auto) to capture through the pipe composer.");
    }
    return new Resolved(CaptureMode.PIPE, problems);
  }

  /** Whether the receiver's service runs now. */
  boolean running(InstallOptions options) {
    return control(options).running();
  }

  /** Whether {@code pattern} points at this prefix's socket ({@code @@} or {@code @}). */
  boolean isSocketPattern(String pattern) {
    return pattern.equals(SocketPattern.REQUEST.corePattern(layout.socket()))
        || pattern.equals(SocketPattern.STREAM.corePattern(layout.socket()));
  }

  /**
   * Lays the receiver down and (re)starts its service when anything it runs from changed, then
   * waits until it has taken core_pattern over.
   *
   * @param configChanged composer.properties was rewritten (the receiver reads it at start)
   * @return why the receiver did not take over, or null when it did (or on a dry run)
   */
  @Nullable String install(
      InstallOptions options, int javaFeature, boolean configChanged, boolean dryRun, Steps steps)
      throws InstallException {
    ReceiverRuntime release =
        new ReceiverRuntime(
            layout.releases().resolve(releaseId(options, javaFeature)), options.receiverJars());
    ReceiverControl control = control(options);
    boolean changed = configChanged;
    try {
      if (!release.isComplete()) {
        steps.add("build receiver release " + release.dir());
        changed = true;
        if (!dryRun) {
          release.build(options.javaHome(), progress);
        }
      }
      List<ReceiverControl.File> files = new ArrayList<>(control.files());
      files.add(
          new ReceiverControl.File(
              layout.receiverLauncher(),
              release.launcher(
                  layout,
                  layout.corePattern(),
                  options.receiverWorkers(),
                  closeGrace(options),
                  options.receiverReadAheadMib()),
              AtomicFiles.PRIVATE_EXECUTABLE));
      for (ReceiverControl.File f : files) {
        if (!same(f.path(), f.content())) {
          steps.add("write " + f.path());
          changed = true;
          if (!dryRun) {
            Files.createDirectories(Layout.parent(f.path()));
            AtomicFiles.writeString(f.path(), f.mode(), f.content());
          }
        }
      }
      boolean running = control.running();
      if (running && !changed) {
        return null;
      }
      steps.add(
          (running ? "restart " : "start ")
              + control.describe()
              + (running ? " (the pipe composer takes the crashes meanwhile)" : ""));
      if (dryRun) {
        return null;
      }
      AtomicFiles.ensurePrivateDirectory(Layout.parent(layout.socket()));
      if (running) {
        control.stop(stopTimeout(options), progress);
      }
      control.start();
      removeOldReleases(release.dir());
    } catch (IOException e) {
      throw new InstallException("installing the receiver failed: " + e.getMessage(), e);
    }
    return awaitTakeover(control);
  }

  /** Stops the receiver's service, if it runs, and removes what it runs from. */
  void remove(InstallOptions options, boolean dryRun, Steps steps) throws InstallException {
    ReceiverControl control = control(options);
    try {
      if (control.running()) {
        steps.add(
            "stop " + control.describe() + " (it puts the pipe composer's pattern back first)");
        if (!dryRun) {
          control.stop(stopTimeout(options), progress);
        }
      }
      List<Path> files = new ArrayList<>();
      control.files().forEach(f -> files.add(f.path()));
      files.addAll(List.of(layout.receiverLauncher(), layout.supervisor(), layout.restorePipe()));
      boolean registered = false;
      for (Path p : files.stream().distinct().toList()) {
        if (Files.exists(p)) {
          registered |= p.toString().endsWith(".service");
          steps.add("remove " + p);
          if (!dryRun) {
            Files.delete(p);
          }
        }
      }
      if (registered && !dryRun) {
        control.unregister();
      }
      for (Path release : receiverReleases()) {
        steps.add("remove " + release);
        if (!dryRun) {
          ComposerRuntime.deleteTree(release);
        }
      }
      if (!dryRun) {
        Files.deleteIfExists(layout.supervisorPid());
        Files.deleteIfExists(layout.receiverPid());
      }
    } catch (IOException e) {
      throw new InstallException("removing the receiver failed: " + e.getMessage(), e);
    }
  }

  /** Waits for core_pattern to point at the socket; the reason it did not, or null. */
  private @Nullable String awaitTakeover(ReceiverControl control) {
    long end = System.nanoTime() + TAKEOVER.toNanos();
    while (System.nanoTime() < end) {
      String pattern = currentPattern();
      if (isSocketPattern(pattern)) {
        progress.accept("the receiver listens; core_pattern is '" + pattern + "'");
        return null;
      }
      if (!control.running()) {
        break;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return "the receiver did not take core_pattern over: " + lastReceiverWords();
  }

  private String currentPattern() {
    try {
      return KernelSettings.read(procSys).corePattern();
    } catch (IOException | NumberFormatException e) {
      return "";
    }
  }

  /** What the receiver last said about not starting, from its log. */
  private String lastReceiverWords() {
    try {
      List<String> lines = Files.readAllLines(layout.receiverLog());
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).contains("not started:") || lines.get(i).contains("cannot")) {
          return lines.get(i).replaceFirst("^\\S+ \\[-\\] ", "");
        }
      }
    } catch (IOException e) {
      // below
    }
    return "see " + layout.receiverLog();
  }

  private ReceiverControl control(InstallOptions options) {
    return ReceiverControl.forHost(
        layout, new ReceiverScripts(layout, layout.corePattern()), stopTimeout(options));
  }

  /** The receiver lets captures in flight finish for as long as one may take. */
  private static Duration closeGrace(InstallOptions options) {
    return options.capture().timeout();
  }

  private static Duration stopTimeout(InstallOptions options) {
    return closeGrace(options).plusSeconds(30);
  }

  private List<Path> receiverReleases() throws IOException {
    if (!Files.isDirectory(layout.releases())) {
      return List.of();
    }
    try (var dirs = Files.list(layout.releases())) {
      return dirs.filter(d -> d.getFileName().toString().startsWith(RELEASE_PREFIX)).toList();
    }
  }

  /** The current release and the newest previous one stay; a restart may still need it. */
  private void removeOldReleases(Path current) throws IOException {
    List<Path> others =
        receiverReleases().stream()
            .filter(d -> !d.equals(current))
            .sorted((a, b) -> Long.compare(b.toFile().lastModified(), a.toFile().lastModified()))
            .toList();
    for (Path old : others.subList(Math.min(1, others.size()), others.size())) {
      try {
        ComposerRuntime.deleteTree(old);
      } catch (IOException e) {
        progress.accept("could not remove old release " + old + ": " + e.getMessage());
      }
    }
  }

  private static String releaseId(InstallOptions options, int feature) throws InstallException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path jar : options.receiverJars()) {
        try (InputStream in = Files.newInputStream(jar)) {
          sha.update(in.readAllBytes());
        }
      }
      sha.update(options.javaHome().toRealPath().toString().getBytes(StandardCharsets.UTF_8));
      return RELEASE_PREFIX
          + "java"
          + feature
          + "-"
          + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new InstallException("cannot read the receiver payload " + options.receiverJars(), e);
    }
  }

  private static boolean same(Path file, String content) {
    try {
      return Files.exists(file) && Files.readString(file).equals(content);
    } catch (IOException e) {
      return false;
    }
  }
}
