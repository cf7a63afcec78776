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

  /** The pattern the kernel gets; it runs the launcher with the specifiers the composer reads. */
  String corePattern() {
    return "|" + launcher() + " %P %p %I %i %s %t %h %e %E %c %u %g %F";
  }
}
