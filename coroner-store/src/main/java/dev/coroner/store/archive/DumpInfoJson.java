package dev.coroner.store.archive;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import java.io.IOException;

/**
 * Reads {@code dump-info.json} with Jackson. Only readers of dumps use this class; the composer
 * writes JSON with {@link DumpInfo#toJson()} and never loads Jackson.
 */
public final class DumpInfoJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          // Derived fields (time, signal_name, complete) and fields added later are not inputs.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .addMixIn(DumpInfo.Integrity.class, IntegrityJson.class)
          .addMixIn(Compression.class, CompressionJson.class)
          .build();

  /**
   * {@code core.compression} is the enum's id ({@code zstd}), read by {@link Compression#parse}.
   */
  // Mix-ins: Jackson reads only their signatures.
  @SuppressWarnings({"DoNotCallSuggester", "UnusedVariable"})
  private abstract static class CompressionJson {
    @JsonCreator
    static Compression parse(String id) {
      throw new AssertionError("a mix-in: Jackson calls Compression.parse");
    }
  }

  /** {@code integrity} is read through {@link DumpInfo.Integrity#read}: old dumps have no cause. */
  @SuppressWarnings({"DoNotCallSuggester", "UnusedVariable"})
  private abstract static class IntegrityJson {
    @JsonCreator
    static DumpInfo.Integrity read(
        @JsonProperty("truncated") boolean truncated,
        @JsonProperty("cause") String cause,
        @JsonProperty("reason") String reason) {
      throw new AssertionError("a mix-in: Jackson calls DumpInfo.Integrity.read");
    }
  }

  private DumpInfoJson() {}

  /**
   * Parses dump-info.
   *
   * @throws UnsupportedSchemaException if its schema is newer than this code reads
   * @throws IOException if the text is not dump-info JSON
   */
  public static DumpInfo parse(byte[] json) throws IOException {
    DumpInfo info = MAPPER.readValue(json, DumpInfo.class);
    if (info.schemaVersion() < 1 || info.schemaVersion() > DumpInfo.SCHEMA_VERSION) {
      throw new UnsupportedSchemaException(
          "dump-info schema_version "
              + info.schemaVersion()
              + " is not supported (this coroner reads 1 to "
              + DumpInfo.SCHEMA_VERSION
              + "); upgrade coroner");
    }
    return info;
  }
}
