package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the CLI as the unprivileged user nobody (setpriv), to test permission errors for real. */
final class AsNobody {
  private AsNobody() {}

  /**
   * Runs {@code coroner args...} as nobody. nobody cannot read root's Maven repository, so the
   * class path is copied under {@code scratch} first.
   */
  static CliRun run(Path scratch, String... args) throws Exception {
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cp = scratch.resolve("cp");
    List<String> classPath = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(":")) {
      Path copy = cp.resolve(n++ + "-" + Path.of(entry).getFileName());
      if (!Files.exists(copy)) {
        Files.createDirectories(cp);
        sh("cp", "-r", entry, copy.toString());
      }
      classPath.add(copy.toString());
    }
    sh("chmod", "-R", "a+rX", cp.toString());
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + scratch,
                "-cp",
                String.join(":", classPath),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new CliRun(p.exitValue(), out, err);
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }
}
