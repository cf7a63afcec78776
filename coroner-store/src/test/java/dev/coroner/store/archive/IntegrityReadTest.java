package dev.coroner.store.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.Integrity;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.store.s3.DumpMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The integrity cause is written as an id and read back; old dumps without it still read. */
class IntegrityReadTest {
  private static final Integrity FLOOD =
      Integrity.truncated(IntegrityCause.FLOOD, "shop/web/app already kept 2 cores within 10m");

  @Test
  void jsonCarriesTheCauseAndTheOldReasonText() throws IOException {
    DumpInfo info = DumpInfoTest.with(DumpInfoTest.sample(), DumpInfoTest.sample().pod(), FLOOD);
    JsonNode json = new ObjectMapper().readTree(info.toJson());
    assertThat(json.at("/integrity/cause").asText()).isEqualTo("flood");
    assertThat(json.at("/integrity/reason").asText())
        .isEqualTo("flood: shop/web/app already kept 2 cores within 10m");
    assertThat(DumpInfoJson.parse(info.toJson().getBytes(StandardCharsets.UTF_8))).isEqualTo(info);
    JsonNode whole = new ObjectMapper().readTree(DumpInfoTest.sample().toJson());
    assertThat(whole.at("/integrity/cause").isNull()).as("a whole core has no cause").isTrue();
  }

  @Test
  void jsonWithoutACauseTakesItFromTheReason() throws IOException {
    DumpInfo info = DumpInfoTest.with(DumpInfoTest.sample(), DumpInfoTest.sample().pod(), FLOOD);
    String old = info.toJson().replaceAll("\\s*\"cause\": \"flood\",", "");
    assertThat(old).doesNotContain("\"cause\"");
    assertThat(DumpInfoJson.parse(old.getBytes(StandardCharsets.UTF_8)).integrity())
        .isEqualTo(FLOOD);
  }

  @Test
  void objectMetadataCarriesTheCause() {
    DumpInfo info = DumpInfoTest.with(DumpInfoTest.sample(), DumpInfoTest.sample().pod(), FLOOD);
    Map<String, String> m = DumpMetadata.of(info);
    assertThat(m).containsEntry("truncated-cause", "flood");
    assertThat(DumpMetadata.parse(m).integrity()).isEqualTo(FLOOD);

    Map<String, String> old = new HashMap<>(m);
    old.remove("truncated-cause");
    assertThat(DumpMetadata.parse(old).integrity()).isEqualTo(FLOOD);
  }
}
