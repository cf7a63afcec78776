package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sysroot made from paths a crashed process chose: nothing lands outside it. */
class SysrootsTest {
  @TempDir Path tmp;

  @Test
  void filesGoToTheirPathsAndTheirBuildIds() throws Exception {
    Path node = Files.writeString(tmp.resolve("node-copy"), "elf");
    Path root =
        Sysroots.create(
            tmp.resolve("root"),
            List.of(
                new Sysroots.Entry("/usr/bin/node", "d64b6f3e86fd45e6", node),
                new Sysroots.Entry("/app/lib.so (deleted)", null, node)));
    assertThat(Files.readSymbolicLink(root.resolve("usr/bin/node"))).isEqualTo(node);
    // Merged /usr: gdb reads the dynamic linker's /bin, /lib paths; the core says /usr/....
    assertThat(Files.readSymbolicLink(root.resolve("bin/node"))).isEqualTo(node);
    assertThat(Files.readSymbolicLink(root.resolve(".build-id/d6/4b6f3e86fd45e6"))).isEqualTo(node);
    assertThat(root.resolve("app/lib.so")).exists();
  }

  @Test
  void aMergedUsrLibraryIsAlsoAtItsLinkerPathUnlessTheCoreMappedOneThere() throws Exception {
    Path usrLibc = Files.writeString(tmp.resolve("usr-libc"), "elf");
    Path ownLibm = Files.writeString(tmp.resolve("own-libm"), "elf");
    Path usrLibm = Files.writeString(tmp.resolve("usr-libm"), "elf");
    Path root =
        Sysroots.create(
            tmp.resolve("root"),
            List.of(
                new Sysroots.Entry("/usr/lib/x86_64-linux-gnu/libm.so.6", null, usrLibm),
                new Sysroots.Entry("/usr/lib/x86_64-linux-gnu/libc.so.6", null, usrLibc),
                new Sysroots.Entry("/lib/x86_64-linux-gnu/libm.so.6", null, ownLibm)));
    assertThat(Files.readSymbolicLink(root.resolve("lib/x86_64-linux-gnu/libc.so.6")))
        .isEqualTo(usrLibc);
    assertThat(Files.readSymbolicLink(root.resolve("lib/x86_64-linux-gnu/libm.so.6")))
        .as("the core's own file at that path wins")
        .isEqualTo(ownLibm);
  }

  @Test
  void unsafePathsAreLeftOut() throws Exception {
    Path file = Files.writeString(tmp.resolve("f"), "x");
    Path root = tmp.resolve("root");
    Sysroots.create(
        root,
        List.of(
            new Sysroots.Entry("../../etc/passwd", null, file),
            new Sysroots.Entry("/a/../../../escape", null, file),
            new Sysroots.Entry("relative/path", null, file),
            new Sysroots.Entry("/", null, file),
            new Sysroots.Entry("/ok", "../../zz", file),
            new Sysroots.Entry("/ok", null, file),
            new Sysroots.Entry("/ok/below", null, file)));
    try (var all = Files.walk(tmp)) {
      assertThat(all.filter(Files::isSymbolicLink).map(tmp::relativize).map(Path::toString))
          .containsExactly("root/ok");
    }
    assertThat(Sysroots.place(root, "/x/./y")).isNull();
  }
}
