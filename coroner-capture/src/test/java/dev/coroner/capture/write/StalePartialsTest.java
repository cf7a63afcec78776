package dev.coroner.capture.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StalePartialsTest {
  @TempDir Path dir;

  @Test
  void removesOnlyPartialDumpsOlderThanTheTimeoutAndGrace() throws Exception {
    Instant now = Instant.parse("2026-12-01T12:00:00Z");
    Path old = write("a.zip.partial", now.minus(Duration.ofMinutes(12)));
    Path young = write("b.zip.partial", now.minus(Duration.ofMinutes(10)));
    Path dump = write("c.zip", now.minus(Duration.ofDays(3)));
    Path other = write("d.partial", now.minus(Duration.ofDays(3)));

    var removed = StalePartials.sweep(dir, Duration.ofMinutes(10), now);

    assertThat(removed).extracting(StalePartials.Removed::file).containsExactly(old);
    assertThat(removed.get(0).size()).isEqualTo(3);
    assertThat(removed.get(0).age()).isEqualTo(Duration.ofMinutes(12));
    assertThat(removed.get(0).describe()).contains(old.toString()).contains("720 s ago");
    assertThat(old).doesNotExist();
    assertThat(young).exists();
    assertThat(dump).exists();
    assertThat(other).exists();
  }

  @Test
  void aMissingDirectoryHasNone() {
    assertThat(StalePartials.sweep(dir.resolve("none"), Duration.ZERO, Instant.now())).isEmpty();
  }

  private Path write(String name, Instant modified) throws Exception {
    Path p = Files.writeString(dir.resolve(name), "abc");
    Files.setLastModifiedTime(p, FileTime.from(modified));
    return p;
  }
}
