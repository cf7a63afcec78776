package dev.coroner.node;

import dev.coroner.dump.elf.TrainingCore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One immutable release of the composer under {@code PREFIX/releases/ID}: a jlinked Java runtime,
 * the jars, zstd-jni's native library (so it is not extracted to /tmp at every crash) and a
 * class-data cache trained on a synthetic crash. JDK 25+ gets an AOT cache, older JDKs AppCDS;
 * either cuts the composer's start, which the dying process waits for.
 */
final class ComposerRuntime {
  private static final String COMPLETE_MARKER = ".complete";

  private final Path dir;
  private final int javaFeature;
  private final List<Path> jars;

  ComposerRuntime(Path dir, int javaFeature, List<Path> jars) {
    this.dir = dir;
    this.javaFeature = javaFeature;
    this.jars = List.copyOf(jars);
  }

  boolean isComplete() {
    return Files.exists(dir.resolve(COMPLETE_MARKER));
  }

  Path dir() {
    return dir;
  }

  /** The JDK's feature version (17, 25, ...) from its {@code release} file. */
  static int javaFeature(Path javaHome) throws InstallException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(javaHome.resolve("release"))) {
      p.load(in);
      String v = p.getProperty("JAVA_VERSION", "").replace("\"", "");
      return Integer.parseInt(v.split("[.+-]")[0]);
    } catch (IOException | RuntimeException e) {
      throw new InstallException(
          "cannot tell the Java version of "
              + javaHome
              + " (no readable 'release' file); a JDK 17 or newer is needed",
          InstallException.Setting.JAVA_HOME,
          e);
    }
  }

  /** Builds the release in place; the marker file written last makes it complete. */
  void build(Path javaHome, Layout layout, Consumer<String> progress) throws InstallException {
    try {
      deleteTree(dir);
      Files.createDirectories(dir.resolve("lib"));
      progress.accept("jlink a Java " + javaFeature + " runtime from " + javaHome);
      // AppCDS training needs a base CDS archive in the runtime, and a JDK whose java.base.jmod
      // has none (Debian's 17) links a runtime without one: "DynamicDumpSharedSpaces is
      // unsupported when base CDS archive is not loaded".
      jlink(javaHome, dir.resolve("runtime"), javaFeature < 25);
      for (Path jar : jars) {
        Files.copy(jar, lib(jar), StandardCopyOption.REPLACE_EXISTING);
      }
      extractZstdNative(jars, dir.resolve("lib/libzstd-jni.so"));
      progress.accept("train the composer's class-data cache on a synthetic 4 MiB crash");
      train(layout);
      Files.writeString(dir.resolve(COMPLETE_MARKER), "");
    } catch (IOException e) {
      throw new InstallException("cannot build the composer release in " + dir + ": " + e, e);
    }
  }

  /** The launcher script's text. */
  String launcher(Layout layout) {
    return "#!/bin/sh\n"
        + "# Written by 'coroner install'. The kernel runs this at every crash (core_pattern);\n"
        + "# it gets an empty environment, so every path is absolute.\n"
        + "exec "
        + String.join(" ", command(layout, cacheFlag(false)))
        + " \"$@\"\n";
  }

  private List<String> command(Layout layout, String cacheFlag) {
    List<String> cmd = new ArrayList<>();
    cmd.add(dir.resolve("runtime/bin/java").toString());
    cmd.addAll(
        List.of(
            // No -XX:TieredStopAtLevel=1: SHA-256 only uses the CPU's SHA instructions in C2
            // code (143 MB/s under C1 only, 1.1 GB/s with C2).
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "-Xms4m",
            "-Xmx16m",
            "-XX:ReservedCodeCacheSize=24m",
            "-Xss512k"));
    if (javaFeature >= 22) {
      // zstd-jni's multi-release jar takes a slower FFM path on 22+; keep JNI.
      cmd.add("-Djdk.util.jar.enableMultiRelease=false");
      cmd.add("--enable-native-access=ALL-UNNAMED");
    }
    cmd.add(cacheFlag);
    cmd.add("-DZstdNativePath=" + dir.resolve("lib/libzstd-jni.so"));
    cmd.add("-Dcoroner.config=" + layout.config());
    cmd.add("-Dcoroner.log=" + layout.log());
    cmd.add("-Dcoroner.lock=" + layout.captureLock());
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(ComposerPayload.mainClass());
    return cmd;
  }

  private String cacheFlag(boolean training) {
    if (javaFeature >= 25) {
      Path aot = dir.resolve("composer.aot");
      return (training ? "-XX:AOTCacheOutput=" : "-XX:AOTCache=") + aot;
    }
    Path jsa = dir.resolve("composer.jsa");
    return (training ? "-XX:ArchiveClassesAtExit=" : "-XX:SharedArchiveFile=") + jsa;
  }

  /** The class path inside the release; derived from the jar names, so a dry run can show it. */
  private String classPath() {
    return jars.stream()
        .map(this::lib)
        .map(Path::toString)
        .sorted()
        .collect(Collectors.joining(":"));
  }

  /** Runs the composer once on a synthetic crash of this process, writing into a scratch dir. */
  private void train(Layout layout) throws IOException, InstallException {
    Path scratch = Files.createTempDirectory(dir, "training");
    try {
      Path config = scratch.resolve("composer.properties");
      // An agent socket that nothing listens on: the training crash is a host process, so it is
      // never asked, but the composer loads the classes for asking into the archive.
      Files.writeString(
          config,
          "dump.dir="
              + scratch.resolve("dumps")
              + "\nagent.socket="
              + scratch.resolve("agent.sock")
              + "\n");
      List<String> cmd = new ArrayList<>(command(layout, cacheFlag(true)));
      cmd.replaceAll(
          a ->
              a.startsWith("-Dcoroner.config=")
                  ? "-Dcoroner.config=" + config
                  : a.startsWith("-Dcoroner.log=") ? "-Dcoroner.log=" + scratch.resolve("log") : a);
      long pid = ProcessHandle.current().pid();
      String p = Long.toString(pid);
      cmd.addAll(
          List.of(p, p, p, p, "6", "0", "training", "java", "!training", "0", "0", "0", "-1"));
      run(cmd, TrainingCore.of(4 << 20), "training the composer failed");
    } finally {
      deleteTree(scratch);
    }
  }

  private Path lib(Path jar) {
    return dir.resolve("lib").resolve(jar.getFileName());
  }

  /** A java.base-only runtime linked from {@code javaHome} into {@code output}. */
  static void jlink(Path javaHome, Path output, boolean cdsArchive)
      throws IOException, InstallException {
    List<String> jlink =
        new ArrayList<>(
            List.of(
                javaHome.resolve("bin/jlink").toString(),
                "--add-modules",
                "java.base",
                "--strip-debug",
                "--no-man-pages",
                "--no-header-files",
                "--output",
                output.toString()));
    if (cdsArchive) {
      jlink.add("--generate-cds-archive");
    }
    run(
        jlink,
        null,
        "jlink failed: a full JDK is needed (on Java 17 install openjdk-17-jmods)",
        InstallException.Setting.JAVA_HOME);
  }

  /** zstd-jni's native library for this machine, copied out of its jar to {@code target}. */
  static void extractZstdNative(List<Path> jars, Path target) throws IOException, InstallException {
    String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "amd64";
    for (Path jar : jars) {
      try (JarFile j = new JarFile(jar.toFile())) {
        var entry =
            j.stream()
                .filter(e -> e.getName().startsWith("linux/" + arch + "/libzstd-jni"))
                .findFirst();
        if (entry.isPresent()) {
          try (InputStream in = j.getInputStream(entry.get())) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
          }
          return;
        }
      }
    }
    throw new InstallException("no zstd-jni native library for linux/" + arch + " in " + jars);
  }

  static void run(List<String> cmd, byte @Nullable [] stdin, String failure)
      throws IOException, InstallException {
    run(cmd, stdin, failure, null);
  }

  static void run(
      List<String> cmd,
      byte @Nullable [] stdin,
      String failure,
      InstallException.@Nullable Setting setting)
      throws IOException, InstallException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (var in = new ByteArrayInputStream(stdin == null ? new byte[0] : stdin);
        var out = p.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // the process may exit before reading all of it; its exit code tells
    }
    byte[] output = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new InstallException(failure + ": timed out: " + String.join(" ", cmd));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new InstallException(failure + ": interrupted", e);
    }
    // The composer exits 0 for a complete dump; jlink exits 0 on success.
    if (p.exitValue() != 0) {
      throw new InstallException(
          failure
              + " (exit "
              + p.exitValue()
              + "):\n"
              + new String(output, Charset.defaultCharset()).strip(),
          setting);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
