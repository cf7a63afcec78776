package dev.coroner.node;

import dev.coroner.receiver.kernel.KernelReport;
import dev.coroner.receiver.kernel.SocketPattern;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * Whether this host can capture through the kernel's coredump socket, and if not, each reason as a
 * sentence: the kernel's socket mode (core_modes; the receiver itself then writes the pattern and
 * reads it back, and falls back from {@code @@} to {@code @}), a JDK 22+ for the receiver's FFM
 * syscalls, a build that holds them, and a socket path the kernel can reach.
 */
final class SocketSupport {
  /** The kernel's sockaddr_un holds 108 bytes with the terminating NUL. */
  private static final int MAX_SOCKET_PATH = 107;

  private SocketSupport() {}

  static List<String> problems(
      Layout layout, KernelReport kernel, Path javaHome, int javaFeature, List<Path> jars) {
    List<String> problems = new ArrayList<>();
    if (!kernel.usable(SocketPattern.REQUEST) && !kernel.usable(SocketPattern.STREAM)) {
      problems.addAll(kernel.problems(SocketPattern.STREAM));
    }
    if (javaFeature < 22) {
      problems.add(
          "The receiver needs a JDK 22 or newer for its runtime (its syscalls use the FFM API);"
              + " "
              + javaHome
              + " is Java "
              + javaFeature
              + ". Install one (e.g. Temurin 25 under /usr/lib/jvm) or pass --java-home.");
    }
    if (!hasFfmClasses(jars)) {
      problems.add(
          "This coroner was built on Java 17, so its receiver jar lacks the Java 22 classes;"
              + " build it with a JDK 22 or newer (JAVA_HOME=... ./mvnw package).");
    }
    String socket = layout.socket().toString();
    if (socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
      problems.add(
          "The socket path "
              + socket
              + " is longer than the kernel's 107 bytes; choose a shorter --prefix.");
    }
    symlinkIn(layout.prefix())
        .ifPresent(
            link ->
                problems.add(
                    "The prefix goes through the symlink "
                        + link
                        + ", and the kernel follows no symlink to the socket; use the real path"
                        + " (e.g. /run, not /var/run)."));
    return problems;
  }

  /** The first symlink among {@code path} and its existing ancestors. */
  private static java.util.Optional<Path> symlinkIn(Path path) {
    Path p = path.getRoot();
    for (Path part : path) {
      p = p.resolve(part);
      if (Files.isSymbolicLink(p)) {
        return java.util.Optional.of(p);
      }
      if (!Files.exists(p)) {
        break;
      }
    }
    return java.util.Optional.empty();
  }

  private static boolean hasFfmClasses(List<Path> jars) {
    for (Path jar : jars) {
      try (JarFile j = new JarFile(jar.toFile())) {
        if (j.getEntry("META-INF/versions/22/dev/coroner/receiver/sys/FfmSyscalls.class") != null) {
          return true;
        }
      } catch (IOException e) {
        // not a jar we can read: no
      }
    }
    return false;
  }
}
