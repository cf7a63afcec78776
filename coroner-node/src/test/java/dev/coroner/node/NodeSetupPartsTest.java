package dev.coroner.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.receiver.kernel.KernelReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSetupPartsTest {
  @TempDir Path dir;

  private static final KernelReport SOCKET =
      new KernelReport("6.18.44", 6, 18, true, Optional.empty());

  @Test
  void modesParseAndNameTheChoices() {
    assertThat(CaptureMode.parse("Socket")).isEqualTo(CaptureMode.SOCKET);
    assertThat(CaptureMode.parse("auto")).isEqualTo(CaptureMode.AUTO);
    assertThatThrownBy(() -> CaptureMode.parse("tcp"))
        .hasMessage("must be auto, socket or pipe: 'tcp'");
  }

  @Test
  void shellWordsAreQuotedOnlyWhenNeeded() {
    assertThat(Shell.quote("/opt/coroner/receiver")).isEqualTo("/opt/coroner/receiver");
    assertThat(Shell.quote("-Dcoroner.fallback-pattern=|/x %P %p"))
        .isEqualTo("'-Dcoroner.fallback-pattern=|/x %P %p'");
    assertThat(Shell.quote("it's")).isEqualTo("'it'\\''s'");
  }

  @Test
  void socketModeSaysWhyItIsOff() throws Exception {
    Layout layout = new Layout(dir.resolve("p"));
    Path jar =
        jar(
            dir.resolve("receiver.jar"),
            true,
            "META-INF/versions/22/dev/coroner/receiver/sys/FfmSyscalls.class");
    assertThat(SocketSupport.problems(layout, SOCKET, dir, 25, List.of(jar))).isEmpty();

    var java17 =
        SocketSupport.problems(layout, SOCKET, Path.of("/usr/lib/jvm/java-17"), 17, List.of(jar));
    assertThat(java17)
        .singleElement()
        .asString()
        .contains("needs a JDK 22 or newer")
        .contains("/usr/lib/jvm/java-17 is Java 17");

    Path plain = jar(dir.resolve("plain.jar"), false, "dev/coroner/receiver/X.class");
    assertThat(SocketSupport.problems(layout, SOCKET, dir, 25, List.of(plain)))
        .singleElement()
        .asString()
        .contains("built on Java 17");

    var old = new KernelReport("6.1.0", 6, 1, false, Optional.empty());
    assertThat(SocketSupport.problems(layout, old, dir, 25, List.of(jar)))
        .singleElement()
        .asString()
        .contains("no coredump socket mode");

    Path link = Files.createSymbolicLink(dir.resolve("link"), dir);
    assertThat(SocketSupport.problems(new Layout(link.resolve("p")), SOCKET, dir, 25, List.of(jar)))
        .singleElement()
        .asString()
        .contains("symlink " + link);

    Layout deep = new Layout(dir.resolve("x".repeat(100)));
    assertThat(SocketSupport.problems(deep, SOCKET, dir, 25, List.of(jar)))
        .singleElement()
        .asString()
        .contains("longer than the kernel's 107 bytes");
  }

  @Test
  void zstdJniLosesItsVersionedClassesForTheReceiver() throws Exception {
    Path mr =
        jar(
            dir.resolve("zstd-jni-1.jar"),
            true,
            "com/github/luben/zstd/Zstd.class",
            "META-INF/versions/22/com/github/luben/zstd/Zstd.class");
    Path out = dir.resolve("out.jar");
    ReceiverRuntime.withoutMultiRelease(mr, out);
    try (JarFile j = new JarFile(out.toFile())) {
      assertThat(j.isMultiRelease()).isFalse();
      assertThat(j.getEntry("com/github/luben/zstd/Zstd.class")).isNotNull();
      assertThat(j.getEntry("META-INF/versions/22/com/github/luben/zstd/Zstd.class")).isNull();
    }
  }

  @Test
  void theReceiverLauncherNamesItsSocketPatternWorkersAndReadAhead() {
    Layout layout = new Layout(Path.of("/opt/coroner"));
    var r =
        new ReceiverRuntime(
            Path.of("/opt/coroner/releases/receiver-x"),
            List.of(Path.of("/a/coroner-receiver.jar"), Path.of("/a/zstd-jni-1.jar")));
    String sh = r.launcher(layout, layout.corePattern(), 3, java.time.Duration.ofMinutes(10), 32);
    assertThat(sh)
        .startsWith("#!/bin/sh\n")
        .contains("exec /opt/coroner/releases/receiver-x/runtime/bin/java ")
        .contains("--enable-native-access=ALL-UNNAMED")
        .contains("-Dcoroner.socket=/opt/coroner/run/coredump.sock")
        .contains("-Dcoroner.workers=3")
        .contains("-Dcoroner.close-grace=600s")
        .contains("-Dcoroner.read-ahead-mib=32")
        // the heap holds the read-ahead on top of the captures' 64 MiB
        .contains("-Xmx96m")
        .contains("'-Dcoroner.fallback-pattern=" + layout.corePattern() + "'")
        .contains(
            "/opt/coroner/releases/receiver-x/lib/coroner-receiver.jar:/opt/coroner/releases/receiver-x/lib/zstd-jni-1.jar")
        .endsWith("dev.coroner.receiver.service.Main\n");
  }

  private static Path jar(Path file, boolean multiRelease, String... entries) throws Exception {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (multiRelease) {
      m.getMainAttributes().put(new Attributes.Name("Multi-Release"), "true");
    }
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file), m)) {
      for (String e : entries) {
        out.putNextEntry(new JarEntry(e));
        out.write(new byte[] {1, 2, 3});
        out.closeEntry();
      }
    }
    return file;
  }
}
