package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.elf.TrainingCore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One host: the owner of a crashed process may read its own dumps and no one else's, as
 * systemd-coredump allows with an ACL. The real composer writes two dumps (fed a synthetic core on
 * stdin, as the kernel would; no kernel setting is touched), one of a process of uid 65534 (nobody)
 * and one of root's; then the CLI runs as nobody through setpriv. Needs root and setfacl.
 */
class OwnerAccessIT {
  private static final long NOBODY = 65534;

  @TempDir Path tmp;

  @Test
  void aUserSeesItsOwnDumpAndNotRoots() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dumps = tmp.resolve("dumps");
    String own = compose(dumps, NOBODY, "nobody-app");
    String roots = compose(dumps, 0, "root-app");
    // With an ACL, ls shows the mask as the group bits; the owning group and others still get
    // nothing.
    assertThat(getfacl(dumps)).contains("group::---").contains("other::---");
    assertThat(getfacl(dumps.resolve(own + ".zip"))).contains("group::---").contains("other::---");
    assertThat(getfacl(dumps.resolve(own + ".zip"))).contains("user:" + NOBODY + ":r--");
    assertThat(getfacl(dumps.resolve(roots + ".zip"))).doesNotContain("user:" + NOBODY);
    assertThat(getfacl(dumps)).contains("user:" + NOBODY + ":r-x");

    CliRun list = AsNobody.run(tmp, "list", "--store", dumps.toString(), "-o", "name");
    assertThat(list.code()).as(list.err() + getfacl(dumps) + getfacl(tmp)).isZero();
    assertThat(list.out().strip()).isEqualTo(own);
    assertThat(list.err()).contains("1 dump of other users not shown");

    CliRun info = AsNobody.run(tmp, "info", own, "--store", dumps.toString());
    assertThat(info.code()).as(info.err()).isZero();
    assertThat(info.out()).contains("uid 65534");
    CliRun theirs = AsNobody.run(tmp, "info", roots, "--store", dumps.toString());
    assertThat(theirs.code()).isEqualTo(4);
    assertThat(theirs.err()).contains("permission denied");

    // Root still sees every dump.
    CliRun asRoot = CliRun.of("list", "--store", dumps.toString(), "-o", "name");
    assertThat(asRoot.out().lines().toList()).containsExactlyInAnyOrder(own, roots);
  }

  @Test
  void aScrubbedDumpIsItsOwnersOnlyOncePublished() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dumps = tmp.resolve("dumps");
    String own = compose(dumps, NOBODY, "nobody-scrubbed", "scrub=default\n");
    assertThat(getfacl(dumps.resolve(own + ".zip"))).contains("user:" + NOBODY + ":r--");
    assertThat(getfacl(dumps.resolve(".scrub")))
        .as("the raw staged dump was never its owner's to read")
        .doesNotContain("user:" + NOBODY);
    CliRun list = AsNobody.run(tmp, "list", "--store", dumps.toString(), "-o", "name");
    assertThat(list.out().strip()).isEqualTo(own);
  }

  /** One dump by the real composer of a process of {@code uid}; its name. */
  private String compose(Path dumps, long uid, String host) throws Exception {
    return compose(dumps, uid, host, "");
  }

  private String compose(Path dumps, long uid, String host, String more) throws Exception {
    Path config = tmp.resolve("composer-" + uid + ".properties");
    Files.writeString(config, "dump.dir=" + dumps + "\ncompression=zstd\n" + more);
    RealComposer.run(
        config, tmp.resolve("composer.log"), TrainingCore.of(64 << 10), "app", host, uid, 11);
    String file = RealComposer.zipIn(dumps, host).getFileName().toString();
    return file.substring(0, file.length() - ".zip".length());
  }

  private static String getfacl(Path p) throws Exception {
    Process g =
        new ProcessBuilder("getfacl", "-cn", p.toString()).redirectErrorStream(true).start();
    String out = new String(g.getInputStream().readAllBytes());
    assertThat(g.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
