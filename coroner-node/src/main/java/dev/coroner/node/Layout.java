package dev.coroner.node;

import java.nio.file.Path;

/** Where node setup puts each file under the prefix. */
record Layout(Path prefix) {
  Path launcher() {
    return prefix.resolve("composer");
  }

  Path config() {
    return prefix.resolve("composer.properties");
  }

  Path log() {
    return prefix.resolve("composer.log");
  }

  Path releases() {
    return prefix.resolve("releases");
  }

  /** Held shared by every running capture; uninstall waits for it (CaptureLock). */
  Path captureLock() {
    return prefix.resolve("run/capture.lock");
  }

  Path backup() {
    return prefix.resolve("state/kernel-settings.properties");
  }

  /** The socket receiver's launcher (socket mode). */
  Path receiverLauncher() {
    return prefix.resolve("receiver");
  }

  /** Runs the receiver, puts the pipe pattern back when it exits, restarts it (no systemd). */
  Path supervisor() {
    return prefix.resolve("receiver-supervisor");
  }

  /** Puts the pipe pattern back after the receiver stopped (systemd's ExecStopPost). */
  Path restorePipe() {
    return prefix.resolve("receiver-restore-pipe");
  }

  Path receiverLog() {
    return prefix.resolve("receiver.log");
  }

  /** The kernel's coredump socket: under /run-like PREFIX/run, root's and 0700. */
  Path socket() {
    return prefix.resolve("run/coredump.sock");
  }

  Path supervisorPid() {
    return prefix.resolve("run/receiver-supervisor.pid");
  }

  Path receiverPid() {
    return prefix.resolve("run/receiver.pid");
  }

  /** The pattern the kernel gets; it runs the launcher with the specifiers the composer reads. */
  String corePattern() {
    return "|" + launcher() + " %P %p %I %i %s %t %h %e %E %c %u %g %F";
  }

  /** The directory holding {@code file}; every path this layout names has one. */
  static Path parent(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException(file + " has no parent directory");
    }
    return parent;
  }
}
