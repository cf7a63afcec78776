package dev.coroner.node;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.DumpInfo;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;

/**
 * Finds what node setup lays on the host: the composer's and the receiver's jars (from the running
 * program's own class path: the CLI and the agent carry both) and a JDK for their runtimes.
 */
public final class ComposerPayload {
  private static final Path JVM_DIR = Path.of("/usr/lib/jvm");

  private ComposerPayload() {}

  /**
   * The jars the composer runs from: its own, the capture engine, the dump format, the shared base,
   * the scrub step and the scrubber (one host scrubs before a dump is listed), and zstd-jni.
   *
   * @throws InstallException when running from classes instead of jars (an unpackaged build)
   */
  public static List<Path> jars() throws InstallException {
    List<Path> jars = new ArrayList<>();
    for (Class<?> c :
        List.of(
            dev.coroner.composer.Main.class,
            CaptureSettings.class,
            DumpInfo.class,
            ExitCode.class,
            dev.coroner.seal.DumpScrubber.class,
            dev.coroner.scrub.Scrubber.class,
            com.github.luben.zstd.Zstd.class)) {
      jars.add(jarOf(c));
    }
    return jars;
  }

  /**
   * The jars the socket receiver runs from: its own (a multi-release jar: the FFM syscalls are in
   * its Java 22 part) and those of the capture engine and the scrub step it shares with the
   * composer.
   */
  public static List<Path> receiverJars() throws InstallException {
    List<Path> jars = new ArrayList<>();
    for (Class<?> c :
        List.of(
            dev.coroner.receiver.CoredumpSocketServer.class,
            CaptureSettings.class,
            DumpInfo.class,
            ExitCode.class,
            dev.coroner.seal.DumpScrubber.class,
            dev.coroner.scrub.Scrubber.class,
            com.github.luben.zstd.Zstd.class)) {
      jars.add(jarOf(c));
    }
    return jars;
  }

  /** The composer's entry point, for its launcher. */
  static String mainClass() {
    return dev.coroner.composer.Main.class.getName();
  }

  private static Path jarOf(Class<?> c) throws InstallException {
    try {
      Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isRegularFile(p)) {
        throw new InstallException(
            c.getName() + " comes from " + p + ", not a jar; build with './mvnw package' first");
      }
      return p;
    } catch (URISyntaxException e) {
      throw new InstallException("the composer payload is missing from this build: " + e, e);
    }
  }

  /**
   * The JDK for the composer's runtime: the newest JDK 25+ under /usr/lib/jvm (its AOT cache starts
   * the composer fastest), else the JDK running this command, else {@code $JAVA_HOME} when the
   * running one cannot link (the agent image runs the agent on a Java 25 runtime without jlink and
   * keeps a Java 17 runtime with jlink and java.base.jmod in {@code JAVA_HOME}).
   */
  public static Path javaHome() {
    try (var dirs = Files.list(JVM_DIR)) {
      return dirs.filter(d -> Files.isExecutable(d.resolve("bin/jlink")))
          .filter(d -> feature(d) >= 25)
          .max(Comparator.comparingInt(ComposerPayload::feature))
          .orElseGet(ComposerPayload::runningOrJavaHome);
    } catch (IOException e) {
      return runningOrJavaHome();
    }
  }

  private static Path runningOrJavaHome() {
    Path running = Path.of(System.getProperty("java.home"));
    String env = System.getenv("JAVA_HOME");
    if (!Files.isExecutable(running.resolve("bin/jlink"))
        && env != null
        && !env.isBlank()
        && Files.isExecutable(Path.of(env).resolve("bin/jlink"))) {
      return Path.of(env);
    }
    return running;
  }

  private static int feature(Path javaHome) {
    Properties p = new Properties();
    try (var in = Files.newInputStream(javaHome.resolve("release"))) {
      p.load(in);
      return Integer.parseInt(
          p.getProperty("JAVA_VERSION", "0").replace("\"", "").split("[.+-]")[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
