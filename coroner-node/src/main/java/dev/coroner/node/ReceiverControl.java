package dev.coroner.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Starts and stops the receiver as a service of this host: a systemd unit where systemd runs, else
 * {@code PREFIX/receiver-supervisor} in the background. Either way the pipe composer's pattern
 * comes back whenever the receiver stops.
 */
interface ReceiverControl {
  /** A file the service needs, written by install and removed by uninstall. */
  record File(Path path, String content, Set<PosixFilePermission> mode) {}

  /** Where systemd runs, it has this directory (sd_booted()). */
  Path SYSTEMD_RUNTIME = Path.of("/run/systemd/system");

  /** The control for this host. */
  static ReceiverControl forHost(Layout layout, ReceiverScripts scripts, Duration stopTimeout) {
    return Files.isDirectory(SYSTEMD_RUNTIME)
        ? new SystemdControl(layout, scripts, stopTimeout)
        : new SupervisorControl(layout, scripts);
  }

  /** For the log: "the supervisor PREFIX/receiver-supervisor", "the systemd unit NAME". */
  String describe();

  /** The scripts or unit it runs from. */
  List<File> files();

  /** Whether the service is running now. */
  boolean running();

  /** Starts it (the files are written); it switches core_pattern once it listens. */
  void start() throws InstallException;

  /**
   * Stops it and waits: the receiver puts the pipe pattern back first, then finishes the captures
   * in flight. Past {@code timeout} it is killed; the caller then restores the kernel settings.
   */
  void stop(Duration timeout, Consumer<String> progress) throws InstallException;

  /** Forgets what start registered beyond the files (systemd's enablement); after stop. */
  default void unregister() throws InstallException {}
}
