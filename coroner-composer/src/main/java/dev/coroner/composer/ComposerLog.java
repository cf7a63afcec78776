package dev.coroner.composer;

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

/**
 * The composer's log: a file beside the composer, because the kernel discards its stdout and
 * stderr. One line per event, prefixed with the time and the dump's uuid. Logging never fails a
 * capture.
 */
final class ComposerLog implements AutoCloseable {
  private static final long ROTATE_BYTES = 8L << 20;

  private final PrintStream out;
  private volatile String uuid = "-";

  private ComposerLog(PrintStream out) {
    this.out = out;
  }

  /** Opens {@code file} for appending (0600), rotating it at 8 MiB; falls back to stderr. */
  static ComposerLog open(Path file) {
    if (file == null) {
      return new ComposerLog(System.err);
    }
    try {
      if (Files.exists(file) && Files.size(file) > ROTATE_BYTES) {
        Files.move(
            file,
            file.resolveSibling(file.getFileName() + ".1"),
            StandardCopyOption.REPLACE_EXISTING);
      }
      if (!Files.exists(file)) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      return new ComposerLog(
          new PrintStream(new FileOutputStream(file.toFile(), true), true, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      System.err.println("coroner-composer: cannot open log " + file + ": " + e);
      return new ComposerLog(System.err);
    }
  }

  void uuid(String uuid) {
    this.uuid = uuid;
  }

  void info(String message) {
    out.println(Instant.now() + " [" + uuid + "] " + message);
  }

  void error(String message, Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    info(message + "\n" + trace);
  }

  @Override
  public void close() {
    if (out != System.err) {
      out.close();
    }
  }
}
