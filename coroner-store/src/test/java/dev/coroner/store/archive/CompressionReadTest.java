package dev.coroner.store.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.s3.DumpMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code core.compression} is the enum, written and read as its id. */
class CompressionReadTest {
  @Test
  void eachCompressionRoundTripsAsItsId() throws IOException {
    for (Compression c : Compression.values()) {
      DumpInfo s = DumpInfoTest.sample();
      DumpInfo info =
          new DumpInfo(
              s.schemaVersion(),
              s.uuid(),
              s.name(),
              s.timestamp(),
              s.hostname(),
              s.nodeHostname(),
              s.process(),
              s.pod(),
              new DumpInfo.CoreInfo(c.entryName(s.name()), c, 10, 5, "ab".repeat(32), 10L),
              s.integrity(),
              s.files(),
              s.composer());
      assertThat(info.toJson()).contains("\"compression\": \"" + c.id() + "\"");
      assertThat(DumpInfoJson.parse(info.toJson().getBytes(StandardCharsets.UTF_8)))
          .isEqualTo(info);
      assertThat(DumpMetadata.of(info)).containsEntry("core-compression", c.id());
      assertThat(DumpMetadata.parse(DumpMetadata.of(info)).core().compression()).isSameAs(c);
    }
  }

  @Test
  void anUnknownCompressionIsNamed() {
    String json = DumpInfoTest.sample().toJson().replace("\"zstd\"", "\"lz4\"");
    assertThatThrownBy(() -> DumpInfoJson.parse(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("'lz4'");
  }
}
