package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.agent.cri.Volumes;
import dev.coroner.agent.cri.Volumes.Mount;
import dev.coroner.agent.cri.api.ContainerState;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code nodejs} debug image (images/build.sh) opens a real core in a real containerd: the
 * example app crashes on this machine's kernel, which writes its core to a file; a container of the
 * image gets the core and the node executable mounted, with {@code CORE_LOCATION} and {@code
 * EXE_LOCATION} set as the tutorial's debug pod has them, and its {@code rundebug.sh} runs lldb
 * with llnode in batch mode. The JavaScript frames must be in the container's output.
 */
class DebugImageIT {
  private static final Path IMAGES = Path.of("target", "images").toAbsolutePath();

  private static Path tmp;
  private static Path core;

  @BeforeAll
  static void crashNode() throws Exception {
    tmp = Files.createTempDirectory(Path.of("/tmp"), "debug-image");
    core = crashToFile(Files.createDirectory(tmp.resolve("cores")));
  }

  @AfterAll
  static void removeFiles() throws Exception {
    if (tmp != null) {
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void theNodejsImageShowsTheJavaScriptFramesOfACore() throws Exception {
    Path tarball = buildImage("nodejs", "coroner-debug-nodejs");
    String image = imageName(tarball);
    try (ContainerdHarness harness = ContainerdHarness.start()) {
      long start = System.nanoTime();
      harness.importImage(tarball, image);
      System.out.printf("%s imported in %d ms%n", image, (System.nanoTime() - start) / 1_000_000);
      Pod pod = harness.runPod("debug", "debugger", Map.of(), Map.of());
      Container debugger =
          harness.runContainer(
              pod,
              new ContainerSpec(
                  "debugger",
                  image,
                  List.of("rundebug.sh", "--batch", "-o", "v8 bt"),
                  Map.of(
                      "CORE_LOCATION",
                      "/debug/cores/" + core.getFileName(),
                      "EXE_LOCATION",
                      "/shared/node"),
                  0),
              new Volumes(
                  List.of(
                      Mount.readOnly(core.getParent(), "/debug/cores"),
                      Mount.readOnly(Path.of("/usr/bin/node").toRealPath(), "/shared/node")),
                  false));
      await()
          .atMost(Duration.ofSeconds(180))
          .until(() -> harness.state(debugger) == ContainerState.CONTAINER_EXITED);
      String output = Files.readString(debugger.logPath());
      System.out.println("rundebug.sh in the image:\n" + output);
      assertThat(harness.exitCode(debugger)).as(output).isZero();
      assertThat(output)
          .as("llnode's JavaScript frames")
          .contains("target create \"/shared/node\"")
          .contains("bar(")
          .contains("foo(")
          .contains("hello world")
          .doesNotContain("error: ")
          .as("lldb's Python works (llnode's commands need it)")
          .doesNotContain("Traceback");
      harness.removePod(pod);
    }
  }

  /**
   * Crashes the example app with its core written to a file in {@code dir}: core_pattern is a file
   * path for the moment of the crash, then the settings found are put back.
   */
  private static Path crashToFile(Path dir) throws Exception {
    KernelSettings saved = KernelSettings.read(InstallOptions.PROC_SYS);
    Process node;
    try {
      new KernelSettings(
              dir.resolve("core.%p").toString(), saved.corePipeLimit(), saved.suidDumpable())
          .write(InstallOptions.PROC_SYS);
      node =
          new ProcessBuilder(
                  "sh",
                  "-c",
                  "ulimit -c unlimited && exec node --abort-on-uncaught-exception index.js")
              .directory(Path.of("..", "examples", "crashing-nodejs-app").toFile())
              .redirectErrorStream(true)
              .start();
      node.getInputStream().readAllBytes();
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      saved.write(InstallOptions.PROC_SYS);
    }
    // The kernel has written the whole core by the time the parent sees the exit.
    Path core = dir.resolve("core." + node.pid());
    assertThat(core).as("node's core (exit %d)", node.exitValue()).isRegularFile();
    return core;
  }

  /** Builds one debug image with images/build.sh (skipped when its inputs are unchanged). */
  private static Path buildImage(String name, String file) throws Exception {
    Path log = tmp.resolve("build-" + name + ".log");
    long start = System.nanoTime();
    Process build =
        new ProcessBuilder(
                "bash",
                Path.of("..", "images", "build.sh").toString(),
                "--out",
                IMAGES.toString(),
                name)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(build.waitFor(15, TimeUnit.MINUTES)).isTrue();
    assertThat(build.exitValue()).as(Files.readString(log)).isZero();
    System.out.printf(
        "images/build.sh %s: %d ms%n%s",
        name, (System.nanoTime() - start) / 1_000_000, Files.readString(log));
    return IMAGES.resolve(file + ".tar");
  }

  /** The image's name, from the index.json in its OCI tarball. */
  private static String imageName(Path tarball) throws Exception {
    Process tar = new ProcessBuilder("tar", "-xOf", tarball.toString(), "index.json").start();
    byte[] index = tar.getInputStream().readAllBytes();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).as(tarball + " has an index.json").isZero();
    return new ObjectMapper()
        .readTree(index)
        .at("/manifests/0/annotations/io.containerd.image.name")
        .asText();
  }
}
