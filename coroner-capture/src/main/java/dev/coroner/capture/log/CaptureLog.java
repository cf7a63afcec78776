package dev.coroner.capture.log;

import dev.coroner.base.text.SafeText;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The composer's log: a file beside the composer, because the kernel discards its stdout and
 * stderr. One line per event, prefixed with the time and the dump's uuid.
 *
 * <p>Lines are kept in memory and written by {@link #flush()}: opening the file and formatting
 * timestamps costs milliseconds of class loading that would otherwise stall the dying process. The
 * composer flushes once the core is read, the watchdog before it halts, and {@link #close()} at
 * exit. Logging never fails a capture.
 */
public final class CaptureLog implements AutoCloseable {
  private static final long ROTATE_BYTES = 8L << 20;
  private static final Object FILE_LOCK = new Object();

  private record Line(long millis, String uuid, String message) {}

  private final @Nullable Path file;
  private final List<Line> pending = new ArrayList<>();
  private volatile String uuid = "-";

  private CaptureLog(@Nullable Path file) {
    this.file = file;
  }

  /** A log that will append to {@code file} (0600, rotated at 8 MiB), or stderr if null. */
  public static CaptureLog open(@Nullable Path file) {
    return new CaptureLog(file);
  }

  /** The dump's uuid, which prefixes the lines from now on. */
  public void uuid(String uuid) {
    this.uuid = uuid;
  }

  /** Logs a line (kept until {@link #flush()}). */
  public synchronized void info(String message) {
    pending.add(new Line(System.currentTimeMillis(), uuid, message));
  }

  /** Logs a line with the stack trace of {@code t}. */
  public void error(String message, Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    info(message + "\n" + trace);
  }

  /** Writes what is pending. */
  public synchronized void flush() {
    if (pending.isEmpty()) {
      return;
    }
    // The receiver keeps one log per capture, all on one file: lines and rotation must not mix.
    synchronized (FILE_LOCK) {
      write();
    }
    pending.clear();
  }

  private void write() {
    try (PrintStream out = stream()) {
      for (Line l : pending) {
        // Messages carry the crashed process's comm, hostname and paths: never raw controls.
        out.println(
            Instant.ofEpochMilli(l.millis())
                + " ["
                + l.uuid()
                + "] "
                + SafeText.lines(l.message()));
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("coroner: cannot write log " + file + ": " + e);
    }
  }

  private PrintStream stream() throws IOException {
    if (file == null) {
      return new PrintStream(System.err, true, StandardCharsets.UTF_8) {
        @Override
        public void close() {
          flush();
        }
      };
    }
    if (Files.exists(file) && Files.size(file) > ROTATE_BYTES) {
      Files.move(
          file,
          file.resolveSibling(file.getFileName() + ".1"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.exists(file)) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    return new PrintStream(
        new FileOutputStream(file.toFile(), true), false, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    flush();
  }
}
