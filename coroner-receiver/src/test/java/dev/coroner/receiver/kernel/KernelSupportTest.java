package dev.coroner.receiver.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSupportTest {
  @TempDir Path proc;

  private void kernel(String release, String modes, String selfNs, String initNs)
      throws IOException {
    Path sys = Files.createDirectories(proc.resolve("sys/kernel"));
    Files.writeString(sys.resolve("osrelease"), release + "\n");
    if (modes != null) {
      Files.writeString(sys.resolve("core_modes"), modes);
    }
    Files.writeString(sys.resolve("core_pattern"), "core\n");
    if (selfNs != null) {
      Files.createSymbolicLink(
          Files.createDirectories(proc.resolve("self/ns")).resolve("mnt"), Path.of(selfNs));
    }
    if (initNs != null) {
      Files.createSymbolicLink(
          Files.createDirectories(proc.resolve("1/ns")).resolve("mnt"), Path.of(initNs));
    }
  }

  @Test
  void linux618OnTheHostHasBothForms() throws IOException {
    kernel("6.18.44-fc-v657", "file\npipe\nsocket\n", "mnt:[4026531841]", "mnt:[4026531841]");
    KernelReport r = KernelSupport.at(proc).report();
    assertThat(r.release()).isEqualTo("6.18.44-fc-v657");
    assertThat(r.major()).isEqualTo(6);
    assertThat(r.minor()).isEqualTo(18);
    assertThat(r.usable(SocketPattern.REQUEST)).isTrue();
    assertThat(r.usable(SocketPattern.STREAM)).isTrue();
    assertThat(r.problems(SocketPattern.REQUEST)).isEmpty();
  }

  @Test
  void linux616HasOnlyTheStreamForm() throws IOException {
    kernel("6.16.3", "file\npipe\nsocket\n", "mnt:[1]", "mnt:[1]");
    KernelReport r = KernelSupport.at(proc).report();
    assertThat(r.usable(SocketPattern.STREAM)).isTrue();
    assertThat(r.offers(SocketPattern.REQUEST)).isFalse();
    assertThat(r.problems(SocketPattern.REQUEST))
        .containsExactly(
            "This kernel (6.16.3) has the '@' socket mode but not the '@@' form, which needs"
                + " Linux 6.17 or newer.");
  }

  @Test
  void oldKernelHasNoSocketMode() throws IOException {
    kernel("6.1.0-28-amd64", null, "mnt:[1]", "mnt:[1]");
    KernelReport r = KernelSupport.at(proc).report();
    assertThat(r.socketMode()).isFalse();
    assertThat(r.problems(SocketPattern.STREAM))
        .singleElement()
        .asString()
        .startsWith("This kernel (6.1.0-28-amd64) has no coredump socket mode");
  }

  @Test
  void socketModeMissingFromCoreModes() throws IOException {
    kernel("6.18.1", "file\npipe\n", "mnt:[1]", "mnt:[1]");
    assertThat(KernelSupport.at(proc).report().usable(SocketPattern.STREAM)).isFalse();
  }

  @Test
  void podMountNamespaceCannotSetTheSocketPattern() throws IOException {
    kernel("6.18.1", "file\npipe\nsocket\n", "mnt:[4026532300]", "mnt:[4026531841]");
    KernelReport r = KernelSupport.at(proc).report();
    assertThat(r.offers(SocketPattern.REQUEST)).isTrue();
    assertThat(r.usable(SocketPattern.REQUEST)).isFalse();
    assertThat(r.problems(SocketPattern.REQUEST))
        .singleElement()
        .asString()
        .contains("not in the initial mount namespace")
        .contains("mnt:[4026532300]")
        .contains("EINVAL");
  }

  @Test
  void reservedInodeIsTheInitialNamespaceWhenPid1CannotBeRead() throws IOException {
    // PID 1 undumpable: even root gets EACCES on /proc/1/ns/mnt (seen on this machine)
    kernel("6.18.1", "socket\n", "mnt:[4026531832]", null);
    assertThat(KernelSupport.at(proc).report().namespaceProblem()).isEmpty();
    assertThat(KernelSupport.isReservedInode("mnt:[4026531832]")).isTrue();
    assertThat(KernelSupport.isReservedInode("mnt:[4026532300]")).isFalse();
    assertThat(KernelSupport.isReservedInode("garbage")).isFalse();
  }

  @Test
  void unreadableNamespaceIsAProblemToo() throws IOException {
    kernel("6.18.1", "socket\n", "mnt:[4026532300]", null);
    assertThat(KernelSupport.at(proc).report().problems(SocketPattern.REQUEST))
        .singleElement()
        .asString()
        .startsWith("Cannot tell whether this process is in the initial mount namespace");
  }

  @Test
  void unreadableReleaseIsNotTakenForAVersion() throws IOException {
    kernel("weird", "socket\n", "mnt:[1]", "mnt:[1]");
    KernelReport r = KernelSupport.at(proc).report();
    assertThat(r.major()).isEqualTo(-1);
    assertThat(r.problems(SocketPattern.REQUEST)).singleElement().asString().contains("'weird'");
  }

  @Test
  void somaxconnIsReadWhole() throws IOException {
    kernel("6.18.1", "socket\n", "mnt:[1]", "mnt:[1]");
    assertThat(KernelSupport.at(proc).somaxconn()).isEqualTo(-1);
    Files.createDirectories(proc.resolve("sys/net/core"));
    Files.writeString(proc.resolve("sys/net/core/somaxconn"), "4096\n");
    assertThat(KernelSupport.at(proc).somaxconn()).isEqualTo(4096);
    assertThat(KernelSupport.host().somaxconn())
        .as("the real one, not its first digit")
        .isGreaterThan(9);
  }

  @Test
  void trySetWritesReadsBackAndRestores() throws IOException {
    kernel("6.18.1", "socket\n", "mnt:[1]", "mnt:[1]");
    KernelSupport k = KernelSupport.at(proc);
    PatternChange change = k.trySet("@@/run/coroner/kernel.sock");
    assertThat(change.isSet()).isTrue();
    assertThat(change.previous()).isEqualTo("core");
    assertThat(k.corePattern()).isEqualTo("@@/run/coroner/kernel.sock");
    k.restore(change.previous());
    assertThat(k.corePattern()).isEqualTo("core");
  }

  @Test
  void aPodWritesSocketPatternsThroughItsWriterAndPipePatternsItself() throws IOException {
    kernel("6.18.1", "socket\n", "mnt:[4026532300]", "mnt:[4026531841]");
    List<String> helped = new ArrayList<>();
    Path file = proc.resolve("sys/kernel/core_pattern");
    KernelSupport k =
        KernelSupport.at(proc)
            .writingSocketPatternsWith(
                p -> {
                  helped.add(p);
                  Files.writeString(file, p + "\n");
                });
    assertThat(k.report().usable(SocketPattern.REQUEST)).isTrue();
    PatternChange change = k.trySet("@@/run/coroner/coredump.sock");
    assertThat(change.isSet()).isTrue();
    k.restore("|/opt/coroner/composer %P");
    assertThat(k.corePattern()).isEqualTo("|/opt/coroner/composer %P");
    assertThat(helped).containsExactly("@@/run/coroner/coredump.sock");
  }

  @Test
  void aFailingWriterIsARefusalWithItsReason() throws IOException {
    kernel("6.18.1", "socket\n", "mnt:[4026532300]", "mnt:[4026531841]");
    KernelSupport k =
        KernelSupport.at(proc)
            .writingSocketPatternsWith(
                p -> {
                  throw new IOException("nsenter is missing");
                });
    PatternChange change = k.trySet("@@/run/coroner/coredump.sock");
    assertThat(change.status()).isEqualTo(PatternChange.Status.REFUSED);
    assertThat(change.detail()).contains("nsenter is missing");
    assertThat(k.corePattern()).isEqualTo("core");
  }
}
