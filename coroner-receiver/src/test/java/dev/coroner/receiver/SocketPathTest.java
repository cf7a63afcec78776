package dev.coroner.receiver;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketPathTest {
  @TempDir Path tmp;

  private static int myUid(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:uid");
  }

  private Path dir(String name, String mode) throws IOException {
    Path d = Files.createDirectory(tmp.resolve(name));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
    return d;
  }

  @Test
  void privateDirectoryIsFine() throws IOException {
    Path d = dir("private", "rwx------");
    assertThatCode(() -> SocketPath.check(d.resolve("kernel.sock"), myUid(d)))
        .doesNotThrowAnyException();
    Path open = dir("readable", "rwxr-xr-x");
    assertThatCode(() -> SocketPath.check(open.resolve("kernel.sock"), myUid(open)))
        .doesNotThrowAnyException();
  }

  @Test
  void shapesTheKernelRefuses() {
    assertThatThrownBy(() -> SocketPath.checkShape(Path.of("run/kernel.sock")))
        .hasMessageContaining("is not absolute");
    assertThatThrownBy(() -> SocketPath.checkShape(Path.of("/run/x/../kernel.sock")))
        .hasMessageContaining("'..'");
    assertThatThrownBy(() -> SocketPath.checkShape(Path.of("/run/my dir/kernel.sock")))
        .hasMessageContaining("space");
    assertThatThrownBy(() -> SocketPath.checkShape(Path.of("/")))
        .hasMessageContaining("names no file");
    String longest = "/run/" + "x".repeat(102); // 107 bytes
    assertThatCode(() -> SocketPath.checkShape(Path.of(longest))).doesNotThrowAnyException();
    assertThatThrownBy(() -> SocketPath.checkShape(Path.of(longest + "y")))
        .hasMessageContaining("is 108 bytes long; a Unix socket path has at most 107");
  }

  @Test
  void symlinkAnywhereIsRefused() throws IOException {
    Path real = dir("real", "rwx------");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    assertThatThrownBy(() -> SocketPath.check(link.resolve("kernel.sock"), myUid(real)))
        .hasMessageContaining("goes through the symlink " + link);
    Files.createSymbolicLink(real.resolve("kernel.sock"), tmp.resolve("elsewhere"));
    assertThatThrownBy(() -> SocketPath.check(real.resolve("kernel.sock"), myUid(real)))
        .hasMessageContaining("symlink");
  }

  @Test
  void directoryOthersMayWriteIsRefused() throws IOException {
    Path d = dir("shared", "rwxrwxrwx");
    assertThatThrownBy(() -> SocketPath.check(d.resolve("kernel.sock"), myUid(d)))
        .hasMessageContaining("writable by group or others (mode 0777)");
  }

  @Test
  void directoryOfAnotherOwnerIsRefused() throws IOException {
    Path d = dir("theirs", "rwx------");
    int other = myUid(d) + 1;
    assertThatThrownBy(() -> SocketPath.check(d.resolve("kernel.sock"), other))
        .hasMessageContaining("belongs to uid " + myUid(d));
  }

  @Test
  void missingDirectoryIsRefused() {
    assertThatThrownBy(() -> SocketPath.check(tmp.resolve("nope/kernel.sock"), 0))
        .hasMessageContaining("does not exist");
  }
}
