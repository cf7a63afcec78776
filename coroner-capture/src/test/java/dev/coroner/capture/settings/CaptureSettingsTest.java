package dev.coroner.capture.settings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.Compression;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class CaptureSettingsTest {
  @Test
  void propertiesRoundTrip() {
    var s = CaptureSettings.defaults().withDumpDir(Path.of("/srv/dumps"));
    s =
        new CaptureSettings(
            s.dumpDir(),
            s.nameTemplate(),
            Compression.DEFLATE,
            6,
            0,
            16L << 30,
            2L << 30,
            100L << 30,
            Duration.ofMinutes(5),
            List.of("sleep", "/usr/lib/chromium/**"),
            EnvironMode.REDACTED,
            Path.of("/opt/coroner/run/agent.sock"),
            Duration.ofMillis(250));
    var parsed = CaptureSettings.fromProperties(s.toProperties());
    assertThat(parsed.problems()).isEmpty();
    assertThat(parsed.settings()).usingRecursiveComparison().isEqualTo(s);
  }

  @Test
  void emptyPropertiesGiveDefaults() {
    var parsed = CaptureSettings.fromProperties(new Properties());
    assertThat(parsed.problems()).isEmpty();
    assertThat(parsed.settings().dumpDir()).isEqualTo(Path.of("/var/lib/coroner/dumps"));
    assertThat(parsed.settings().compression()).isEqualTo(Compression.ZSTD);
    assertThat(parsed.settings().environ()).isEqualTo(EnvironMode.OFF);
  }

  @Test
  void badValuesFallBackAndNameTheKeyAndValue() {
    Properties p = new Properties();
    p.setProperty("timeout", "abc");
    p.setProperty("compression", "lz4");
    p.setProperty("limit.keep-free", "lots");
    p.setProperty("compression.level", "99");
    p.setProperty("dump.dir", "relative/dir");
    p.setProperty("name.template", "{pid}");
    p.setProperty("typo.key", "1");
    var parsed = CaptureSettings.fromProperties(p);
    assertThat(parsed.settings()).usingRecursiveComparison().isEqualTo(CaptureSettings.defaults());
    assertThat(parsed.problems())
        .anySatisfy(m -> assertThat(m).contains("timeout").contains("'abc'"))
        .anySatisfy(m -> assertThat(m).contains("compression").contains("'lz4'"))
        .anySatisfy(m -> assertThat(m).contains("limit.keep-free").contains("'lots'"))
        .anySatisfy(m -> assertThat(m).contains("compression.level").contains("'99'"))
        .anySatisfy(m -> assertThat(m).contains("dump.dir").contains("relative/dir"))
        .anySatisfy(m -> assertThat(m).contains("name.template").contains("{uuid}"))
        .anySatisfy(m -> assertThat(m).contains("typo.key"));
  }

  @Test
  void loadSaysWhenTheFileIsMissingAndUsesDefaults(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    var missing = CaptureSettings.load(dir.resolve("none.properties"));
    assertThat(missing.settings().dumpDir()).isEqualTo(CaptureSettings.DEFAULT_DUMP_DIR);
    assertThat(missing.problems()).singleElement().asString().contains("is missing");

    Path file = dir.resolve("composer.properties");
    java.nio.file.Files.writeString(file, "dump.dir=/srv/d\ncompression.level=x\n");
    var parsed = CaptureSettings.load(file);
    assertThat(parsed.settings().dumpDir()).isEqualTo(Path.of("/srv/d"));
    assertThat(parsed.problems()).singleElement().asString().contains("compression.level");
    assertThat(CaptureSettings.load(null).problems()).hasSize(1);
  }
}
