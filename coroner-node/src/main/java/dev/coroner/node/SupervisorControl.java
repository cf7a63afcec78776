package dev.coroner.node;

import dev.coroner.base.files.AtomicFiles;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The receiver under {@code PREFIX/receiver-supervisor}, a POSIX sh script started in its own
 * session ({@code setsid -f}), so it outlives the command that installed it. Its pidfile in {@code
 * PREFIX/run} says whether it runs; a pid is trusted only while its command line names the script.
 */
final class SupervisorControl implements ReceiverControl {
  private final Layout layout;
  private final ReceiverScripts scripts;

  SupervisorControl(Layout layout, ReceiverScripts scripts) {
    this.layout = layout;
    this.scripts = scripts;
  }

  @Override
  public String describe() {
    return "the supervisor " + layout.supervisor();
  }

  @Override
  public List<File> files() {
    return List.of(
        new File(layout.supervisor(), scripts.supervisor(), AtomicFiles.PRIVATE_EXECUTABLE));
  }

  @Override
  public boolean running() {
    return supervisorPid().isPresent();
  }

  @Override
  public void start() throws InstallException {
    try {
      Files.deleteIfExists(layout.supervisorPid());
      if (!Files.exists(layout.receiverLog())) {
        Files.createFile(
            layout.receiverLog(), PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_FILE));
      }
      Process p =
          new ProcessBuilder("setsid", "-f", "/bin/sh", layout.supervisor().toString())
              .redirectInput(Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(Redirect.appendTo(layout.receiverLog().toFile()))
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new InstallException("could not start " + layout.supervisor() + " (setsid)");
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (supervisorPid().isEmpty()) {
        if (System.nanoTime() > end) {
          throw new InstallException(
              layout.supervisor() + " did not start; see " + layout.receiverLog());
        }
        Thread.sleep(20);
      }
    } catch (IOException e) {
      throw new InstallException("could not start " + layout.supervisor() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InstallException("interrupted while starting " + layout.supervisor(), e);
    }
  }

  @Override
  public void stop(Duration timeout, Consumer<String> progress) throws InstallException {
    Optional<ProcessHandle> supervisor = supervisorPid();
    if (supervisor.isEmpty()) {
      // No supervisor (it stopped, or never ran); a receiver it left behind still must go.
      receiverPid().ifPresent(r -> stopProcess(r, timeout, progress));
      return;
    }
    Optional<ProcessHandle> receiver = receiverPid();
    progress.accept(
        "waiting for the receiver to finish the captures in flight (up to "
            + timeout.toSeconds()
            + " s)");
    supervisor.get().destroy(); // SIGTERM: forwarded to the receiver, which restores the pipe
    if (!gone(supervisor.get(), timeout)) {
      progress.accept("the receiver did not stop in time; killing it");
      receiver.ifPresent(ProcessHandle::destroyForcibly);
      supervisor.get().destroyForcibly();
      gone(supervisor.get(), Duration.ofSeconds(10));
    }
    try {
      Files.deleteIfExists(layout.supervisorPid());
      Files.deleteIfExists(layout.receiverPid());
    } catch (IOException e) {
      throw new InstallException("cannot remove the pidfiles in " + layout.socket().getParent(), e);
    }
  }

  private static void stopProcess(ProcessHandle p, Duration timeout, Consumer<String> progress) {
    progress.accept("stopping the receiver left without its supervisor (pid " + p.pid() + ")");
    p.destroy();
    if (!gone(p, timeout)) {
      p.destroyForcibly();
    }
  }

  private static boolean gone(ProcessHandle p, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (isRunning(p)) {
      if (System.nanoTime() > end) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Alive and not a zombie (a zombie waits for an init that may never reap it). */
  private static boolean isRunning(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || stat.length() < close + 3 || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  private Optional<ProcessHandle> supervisorPid() {
    return process(layout.supervisorPid(), layout.supervisor().toString());
  }

  private Optional<ProcessHandle> receiverPid() {
    return process(layout.receiverPid(), "dev.coroner.receiver.service.Main");
  }

  /** The process the pidfile names, if it runs and its command line names {@code marker}. */
  private static Optional<ProcessHandle> process(Path pidfile, String marker) {
    try {
      long pid = Long.parseLong(Files.readString(pidfile).trim());
      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
      if (!cmdline.contains(marker)) {
        return Optional.empty(); // a reused pid
      }
      return ProcessHandle.of(pid).filter(SupervisorControl::isRunning);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
