package dev.coroner.node;

import dev.coroner.base.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The receiver as a systemd unit: {@code Restart=on-failure}, and {@code ExecStopPost=} puts the
 * pipe composer's pattern back however the receiver stopped (systemd runs it after a kill -9 or an
 * OOM kill too). {@code systemctl stop} waits for the captures in flight ({@code TimeoutStopSec}).
 */
final class SystemdControl implements ReceiverControl {
  static final Path UNITS = Path.of("/etc/systemd/system");

  private final Layout layout;
  private final ReceiverScripts scripts;
  private final Duration stopTimeout;
  private final String unit;

  SystemdControl(Layout layout, ReceiverScripts scripts, Duration stopTimeout) {
    this.layout = layout;
    this.scripts = scripts;
    this.stopTimeout = stopTimeout;
    this.unit = ReceiverScripts.unitName(layout.prefix());
  }

  @Override
  public String describe() {
    return "the systemd unit " + unit;
  }

  @Override
  public List<File> files() {
    return List.of(
        new File(layout.restorePipe(), scripts.restorePipe(), AtomicFiles.PRIVATE_EXECUTABLE),
        new File(
            UNITS.resolve(unit),
            scripts.unit(stopTimeout),
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--")));
  }

  @Override
  public boolean running() {
    try {
      return systemctl(false, "is-active", "--quiet", unit) == 0;
    } catch (InstallException e) {
      return false;
    }
  }

  @Override
  public void start() throws InstallException {
    systemctl(true, "daemon-reload");
    systemctl(true, "enable", unit);
    systemctl(true, "restart", unit);
  }

  @Override
  public void stop(Duration timeout, Consumer<String> progress) throws InstallException {
    progress.accept("systemctl stop " + unit + " (waits for the captures in flight)");
    systemctl(false, "stop", unit);
  }

  @Override
  public void unregister() throws InstallException {
    systemctl(false, "disable", unit);
    systemctl(false, "daemon-reload");
  }

  private static int systemctl(boolean check, String... args) throws InstallException {
    List<String> cmd = new java.util.ArrayList<>(List.of("systemctl"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new InstallException(String.join(" ", cmd) + " timed out");
      }
      if (check && p.exitValue() != 0) {
        throw new InstallException(
            String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
      }
      return p.exitValue();
    } catch (IOException e) {
      throw new InstallException("cannot run " + String.join(" ", cmd) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InstallException("interrupted: " + String.join(" ", cmd), e);
    }
  }
}
