package dev.coroner.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

/**
 * One immutable release of the socket receiver under {@code PREFIX/releases/receiver-ID}: a jlinked
 * Java 22+ runtime (its FFM syscalls need one), the receiver's and the composer's jars, and
 * zstd-jni's native library. The receiver runs for as long as it is installed, so start-up cost
 * matters only for a restart, and the pipe composer takes the crashes meanwhile: no AOT training.
 */
final class ReceiverRuntime {
  private static final String COMPLETE_MARKER = ".complete";
  private static final String MAIN = "dev.coroner.receiver.service.Main";

  private final Path dir;
  private final List<Path> jars;

  ReceiverRuntime(Path dir, List<Path> jars) {
    this.dir = dir;
    this.jars = List.copyOf(jars);
  }

  Path dir() {
    return dir;
  }

  boolean isComplete() {
    return Files.exists(dir.resolve(COMPLETE_MARKER));
  }

  /** Builds the release in place; the marker file written last makes it complete. */
  void build(Path javaHome, Consumer<String> progress) throws InstallException {
    try {
      ComposerRuntime.deleteTree(dir);
      Files.createDirectories(dir.resolve("lib"));
      progress.accept("jlink the receiver's runtime from " + javaHome);
      ComposerRuntime.jlink(javaHome, dir.resolve("runtime"), true);
      for (Path jar : jars) {
        if (isZstdJni(jar)) {
          withoutMultiRelease(jar, lib(jar));
        } else {
          Files.copy(jar, lib(jar), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      ComposerRuntime.extractZstdNative(jars, dir.resolve("lib/libzstd-jni.so"));
      Files.writeString(dir.resolve(COMPLETE_MARKER), "");
    } catch (IOException e) {
      throw new InstallException("cannot build the receiver release in " + dir + ": " + e, e);
    }
  }

  /**
   * The launcher script's text: the receiver with its settings and the pattern it restores.
   *
   * @param fallbackPattern the pipe composer's core_pattern
   * @param workers crashes captured at once
   * @param closeGrace how long a stop lets the captures in flight finish
   * @param readAheadMib the read-ahead in MiB, kept on the heap
   */
  String launcher(
      Layout layout, String fallbackPattern, int workers, Duration closeGrace, int readAheadMib) {
    List<String> cmd = new ArrayList<>();
    cmd.add(dir.resolve("runtime/bin/java").toString());
    cmd.addAll(
        List.of(
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "-Xms16m",
            // Each capture holds CoreCopier's four 1 MiB buffers, the zip's 1 MiB buffer and at
            // most 4 MiB of the core's head: 10 MiB a worker; the rest of the 64 MiB is slack.
            // The read-ahead comes on top: it is made at start and kept.
            "-Xmx" + (64 + readAheadMib) + "m",
            "-XX:MaxDirectMemorySize=32m",
            "-XX:ReservedCodeCacheSize=48m",
            "-Xss512k",
            "-XX:+ExitOnOutOfMemoryError",
            "--enable-native-access=ALL-UNNAMED",
            "-DZstdNativePath=" + dir.resolve("lib/libzstd-jni.so"),
            "-Dcoroner.config=" + layout.config(),
            "-Dcoroner.log=" + layout.receiverLog(),
            "-Dcoroner.socket=" + layout.socket(),
            "-Dcoroner.workers=" + workers,
            "-Dcoroner.close-grace=" + closeGrace.toSeconds() + "s",
            "-Dcoroner.read-ahead-mib=" + readAheadMib,
            "-Dcoroner.fallback-pattern=" + fallbackPattern,
            "-cp",
            classPath(),
            MAIN));
    return "#!/bin/sh\n"
        + "# Written by 'coroner install'. The kernel coredump socket receiver; run by\n"
        + "# "
        + layout.supervisor().getFileName()
        + " (or systemd), which puts the pipe composer back whenever it exits.\n"
        + "# Few malloc arenas: zstd allocates on the writer threads, and an arena per thread\n"
        + "# keeps freed memory resident.\n"
        + "export MALLOC_ARENA_MAX=2\n"
        + "exec "
        + cmd.stream().map(Shell::quote).collect(Collectors.joining(" "))
        + "\n";
  }

  private String classPath() {
    return jars.stream()
        .map(this::lib)
        .map(Path::toString)
        .sorted()
        .collect(Collectors.joining(":"));
  }

  private Path lib(Path jar) {
    return dir.resolve("lib").resolve(jar.getFileName());
  }

  private static boolean isZstdJni(Path jar) {
    return jar.getFileName().toString().startsWith("zstd-jni");
  }

  /**
   * A copy of a multi-release jar without its versioned classes. zstd-jni takes a slower FFM path
   * on Java 22+, and the composer's launcher keeps its JNI one by turning multi-release jars off;
   * the receiver's own jar needs them on (its FFM syscalls sit in META-INF/versions/22).
   */
  static void withoutMultiRelease(Path jar, Path target) throws IOException {
    try (InputStream raw = Files.newInputStream(jar);
        JarInputStream in = new JarInputStream(raw, false)) {
      Manifest manifest = in.getManifest() == null ? new Manifest() : in.getManifest();
      manifest.getMainAttributes().remove(new Attributes.Name("Multi-Release"));
      manifest.getMainAttributes().putIfAbsent(Attributes.Name.MANIFEST_VERSION, "1.0");
      try (OutputStream rawOut = Files.newOutputStream(target);
          JarOutputStream out = new JarOutputStream(rawOut, manifest)) {
        for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
          if (e.getName().startsWith("META-INF/versions/")) {
            continue;
          }
          out.putNextEntry(new JarEntry(e.getName()));
          in.transferTo(out);
          out.closeEntry();
        }
      }
    }
  }
}
