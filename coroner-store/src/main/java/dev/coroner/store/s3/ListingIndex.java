package dev.coroner.store.s3;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A listing index: what {@code coroner list} shows of each dump one writer uploaded (the object
 * metadata: {@link DumpMetadata}), with the object's key and size, so that a listing reads one
 * object per node instead of one HEAD per dump. The bucket stays the source of truth: a listing
 * takes an entry only for a key it also listed, with the size it listed; any other dump is read
 * with a HEAD.
 *
 * @param entries by object key, in upload order
 */
record ListingIndex(Map<String, Entry> entries) {
  static final int VERSION = 1;

  /**
   * The most entries one index keeps; the oldest go first (their dumps are then HEADed). About 0.5
   * KiB each in the agent's heap.
   */
  static final int MAX_ENTRIES = 20_000;

  /**
   * The metadata a listing shows and filters on (all that {@code coroner list -o json} prints, so a
   * listing reads the same from an index as from a HEAD); the rest is in the full dump-info.
   */
  private static final java.util.Set<String> LISTED =
      java.util.Set.of(
          "coroner-schema",
          "uuid",
          "name",
          "timestamp",
          "hostname",
          "node",
          "exe",
          "exe-path",
          "pid",
          "host-pid",
          "signal",
          "container-id",
          "namespace",
          "pod",
          "container",
          "core-entry",
          "core-compression",
          "core-size",
          "core-sha256",
          "truncated",
          "truncated-cause",
          "truncated-reason",
          "runtime",
          "signature",
          "signature3",
          "top-frame",
          "scrub-mode",
          "scrub-complete",
          "scrub-rules",
          "encryption",
          "encryption-recipients");

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One dump: its key, the zip's size and its metadata. */
  record Entry(String key, long size, Map<String, String> metadata) {}

  private record Document(int version, List<Entry> dumps) {}

  static ListingIndex empty() {
    return new ListingIndex(new LinkedHashMap<>());
  }

  /** The same with {@code e} added (or replaced), trimmed to {@link #MAX_ENTRIES}. */
  ListingIndex with(Entry e) {
    Map<String, Entry> m = new LinkedHashMap<>(entries);
    m.remove(e.key());
    m.put(e.key(), e);
    var it = m.keySet().iterator();
    while (m.size() > MAX_ENTRIES && it.hasNext()) {
      it.next();
      it.remove();
    }
    return new ListingIndex(m);
  }

  /** The listing's part of an object's metadata. */
  static Map<String, String> listed(Map<String, String> metadata) {
    Map<String, String> m = new LinkedHashMap<>();
    metadata.forEach(
        (k, v) -> {
          if (LISTED.contains(k)) {
            m.put(k, v);
          }
        });
    return m;
  }

  /** The same without entries whose key is not in {@code keys}. */
  ListingIndex retain(java.util.Set<String> keys) {
    Map<String, Entry> m = new LinkedHashMap<>(entries);
    m.keySet().retainAll(keys);
    return new ListingIndex(m);
  }

  byte[] toJson() throws IOException {
    return JSON.writeValueAsBytes(new Document(VERSION, new ArrayList<>(entries.values())));
  }

  /**
   * Reads an index. An index this code cannot read (damaged, a newer version) reads as empty: the
   * dumps are then listed with a HEAD each, never lost.
   */
  static ListingIndex parse(byte[] json) {
    try {
      Document d = JSON.readValue(json, new TypeReference<Document>() {});
      if (d.version() != VERSION || d.dumps() == null) {
        return empty();
      }
      Map<String, Entry> m = new LinkedHashMap<>();
      for (Entry e : d.dumps()) {
        if (e != null && e.key() != null && e.metadata() != null) {
          m.put(e.key(), e);
        }
      }
      return new ListingIndex(m);
    } catch (IOException e) {
      return empty();
    }
  }
}
