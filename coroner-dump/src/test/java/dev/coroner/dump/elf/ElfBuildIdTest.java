package dev.coroner.dump.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfBuildIdTest {
  @Test
  void readsTheBuildIdThatReadelfShows() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder("readelf", "-n", java.toString()).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    String expected =
        out.lines()
            .filter(l -> l.contains("Build ID:"))
            .findFirst()
            .orElseThrow()
            .replaceAll(".*Build ID:\\s*", "")
            .trim();
    assertThat(ElfBuildId.of(java)).contains(expected);
  }

  @Test
  void nonElfFilesHaveNone(@TempDir Path tmp) throws Exception {
    Path f = Files.writeString(tmp.resolve("x"), "#!/bin/sh\necho hi\n");
    assertThat(ElfBuildId.of(f)).isEmpty();
    assertThat(ElfBuildId.of(Files.write(tmp.resolve("empty"), new byte[0]))).isEmpty();
  }
}
