package dev.coroner.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uninstall puts back a saved {@code @} pattern (another socket handler's) through the writer the
 * agent in a pod gives it, since the kernel refuses that write from a pod's mount namespace. The
 * kernel here is a scratch /proc/sys: no kernel setting is touched.
 */
class SocketPatternRestoreTest {
  private static final String FOREIGN = "@/run/other-handler/coredump.sock";

  @TempDir Path dir;

  @Test
  void aSavedSocketPatternGoesThroughTheWriter() throws Exception {
    Path procSys = installed(FOREIGN);
    List<String> written = new ArrayList<>();

    new NodeSetup(dir.resolve("prefix"), procSys, step -> {})
        .writingSocketPatternsWith(written::add)
        .uninstall(false);

    assertThat(written).containsExactly(FOREIGN);
    // The other two settings are written here as before; the pattern file only by the writer.
    assertThat(Files.readString(procSys.resolve(KernelSettings.CORE_PIPE_LIMIT)).strip())
        .isEqualTo("8");
    assertThat(Files.readString(procSys.resolve(KernelSettings.SUID_DUMPABLE)).strip())
        .isEqualTo("1");
    assertThat(Files.readString(procSys.resolve(KernelSettings.CORE_PATTERN)).strip())
        .isEqualTo(new Layout(dir.resolve("prefix")).corePattern());
  }

  @Test
  void aPipePatternIsWrittenDirectlyEvenWithAWriter() throws Exception {
    Path procSys = installed("|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h");
    List<String> written = new ArrayList<>();

    new NodeSetup(dir.resolve("prefix"), procSys, step -> {})
        .writingSocketPatternsWith(written::add)
        .uninstall(false);

    assertThat(written).isEmpty();
    assertThat(Files.readString(procSys.resolve(KernelSettings.CORE_PATTERN)).strip())
        .isEqualTo("|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h");
  }

  @Test
  void aFailedWriteOfASocketPatternSaysWhereToWriteIt() throws Exception {
    Path sys = Files.createDirectories(dir.resolve("sys"));
    Files.createDirectories(sys.resolve("fs"));
    Files.createDirectories(sys.resolve("kernel"));
    // A directory where the pattern goes: the write fails, as the kernel's EINVAL would.
    Files.createDirectory(sys.resolve(KernelSettings.CORE_PATTERN));
    assertThatThrownBy(() -> new KernelSettings(FOREIGN, 8, 1).write(sys))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot write core_pattern '" + FOREIGN + "' back")
        .hasMessageContaining("only from the host's initial mount namespace")
        .hasMessageContaining("sysctl -w kernel.core_pattern='" + FOREIGN + "'");
  }

  /** A scratch /proc/sys with this prefix's pipe pattern in force and {@code saved} backed up. */
  private Path installed(String saved) throws IOException {
    Layout layout = new Layout(dir.resolve("prefix"));
    Files.createDirectories(layout.backup().getParent());
    new KernelSettings(saved, 8, 1).save(layout.backup());
    Path procSys = dir.resolve("proc-sys");
    Files.createDirectories(procSys.resolve("kernel"));
    Files.createDirectories(procSys.resolve("fs"));
    new KernelSettings(layout.corePattern(), 16, 2).write(procSys);
    return procSys;
  }
}
