package dev.coroner.composer;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.capture.lock.CaptureLock;
import dev.coroner.capture.log.CaptureLog;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The core_pattern entry point: {@code |/PREFIX/composer %P %p %I %i %s %t %h %e %E %c %u %g %F}.
 * The launcher script passes {@code -Dcoroner.config} and {@code -Dcoroner.log}. Nothing escapes to
 * the kernel: every failure becomes a log line and a documented exit code.
 */
public final class Main {
  private Main() {}

  /** The kernel's entry point: captures one crash and exits with a documented code. */
  public static void main(String[] args) {
    int code;
    CaptureLog log = CaptureLog.open(pathProperty("coroner.log"));
    // Held until exit, so that uninstall waits for this capture instead of removing its runtime.
    var running = CaptureLock.forCapture(pathProperty("coroner.lock"));
    try (log) {
      // Read the pipe through a FileChannel: a blocked read on it can be interrupted by the
      // watchdog, which a plain FileInputStream read cannot.
      FileChannel stdin = new FileInputStream(FileDescriptor.in).getChannel();
      code =
          new Composer(pathProperty("coroner.config"), Path.of("/proc"), log)
              .run(args, stdin)
              .code();
    } catch (Throwable t) {
      // The try above has closed the log already: write this line on its own.
      try {
        log.error("internal error", t);
        log.flush();
      } catch (Throwable ignored) {
        // nowhere left to report it
      }
      code = ExitCode.INTERNAL.code();
    }
    running.ifPresent(CaptureLock::close);
    System.exit(code);
  }

  private static @Nullable Path pathProperty(String name) {
    String value = System.getProperty(name);
    return value == null || value.isBlank() ? null : Path.of(value);
  }
}
