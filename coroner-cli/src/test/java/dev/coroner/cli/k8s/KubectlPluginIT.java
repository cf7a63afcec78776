package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/kubectl-coroner} found and run by the real kubectl as a plugin, from the packaged CLI
 * (no cluster: kubectl finds plugins on PATH without one).
 */
class KubectlPluginIT {
  private static final Path REPO =
      Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

  @TempDir Path tmp;

  @Test
  void kubectlFindsThePluginAndPassesArgumentsAndExitCodes() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
    String path = REPO.resolve("bin") + ":/usr/bin:/bin";

    Run list = run(path, "kubectl", "plugin", "list");
    assertThat(list.out()).contains(REPO.resolve("bin/kubectl-coroner").toString());

    Run version = run(path, "kubectl", "coroner", "--version");
    assertThat(version.code()).as(version.out()).isZero();
    assertThat(version.out()).startsWith("coroner ");

    Run help = run(path, "kubectl", "coroner", "debug", "--help");
    assertThat(help.out()).contains("--k8s").contains("--url-ttl").contains("--debug-image");

    // kubectl execs the plugin: its exit code is coroner's (4: cluster unreachable).
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        users: [{name: u, user: {token: t}}]
        """);
    Run gc = run(path, "kubectl", "coroner", "gc", "--kubeconfig", kubeconfig.toString());
    assertThat(gc.code()).isEqualTo(4);
    assertThat(gc.out()).contains("cannot reach the cluster");
  }

  @Test
  void aLinkOnPathWorksToo() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("kubectl-coroner"), REPO.resolve("bin/kubectl-coroner"));
    try {
      Run version = run(bin + ":/usr/bin:/bin", "kubectl", "coroner", "--version");
      assertThat(version.code()).as(version.out()).isZero();
      assertThat(version.out()).startsWith("coroner ");
    } finally {
      Files.delete(bin.resolve("kubectl-coroner"));
    }
  }

  record Run(int code, String out) {}

  private Run run(String path, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
    pb.environment().put("PATH", path);
    pb.environment().put("HOME", tmp.toString());
    pb.environment().remove("KUBECONFIG");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }
}
