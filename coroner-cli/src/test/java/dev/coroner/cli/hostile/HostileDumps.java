package dev.coroner.cli.hostile;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A corpus of hostile dumps, as a crashed, compromised process or anyone who can write the dump
 * directory could shape them: traversal in every name field, unknown schema versions, missing and
 * extra entries, wrong hashes, damaged zstd, control characters, oversized fields, zip bombs. Each
 * is a zip in a store directory, named as coroner names dumps (the listing finds it), with its
 * dump-info JSON written by hand, so that nothing here is checked on the way in.
 */
final class HostileDumps {
  static final String UUID = "0badc0de-0000-4000-8000-000000000001";

  /** One hostile dump: what it is, and its zip's entries. */
  record Case(String what, Map<String, byte[]> entries) {}

  private HostileDumps() {}

  /** Every case, each a zip in its own store directory under {@code root}. */
  static List<Case> all() throws IOException {
    List<Case> all = new ArrayList<>();
    byte[] core = core();
    all.add(valid("healthy (the control)", core, m -> m));
    for (String field : List.of("name", "uuid")) {
      for (String evil :
          List.of(
              "../../../../tmp/coroner-hostile-" + field,
              "/tmp/coroner-hostile-abs-" + field,
              "..",
              "a/../../b")) {
        all.add(valid("traversal in " + field + ": " + evil, core, m -> with(m, field, evil)));
      }
    }
    all.add(
        valid(
            "traversal in the core entry",
            core,
            m -> with(m, "entry", "../../../../tmp/coroner-hostile-entry")));
    all.add(extra("an extra entry that climbs out", core, "../../../../tmp/coroner-hostile-extra"));
    all.add(extra("an absolute extra entry", core, "/tmp/coroner-hostile-abs-extra"));
    all.add(extra("an extra entry with a control character", core, "proc/ma\u001b[2Jps"));
    all.add(valid("schema_version 99", core, m -> with(m, "schema", "99")));
    all.add(valid("schema_version 0", core, m -> with(m, "schema", "0")));
    all.add(new Case("no dump-info", Map.of(name() + ".core.zst", Zstd.compress(core))));
    all.add(
        new Case(
            "dump-info that is not JSON",
            entries(core, "{not json".getBytes(StandardCharsets.UTF_8))));
    all.add(
        valid("the core entry is missing", core, m -> with(m, "entry", name() + ".core.missing")));
    all.add(valid("a wrong sha256", core, m -> with(m, "sha256", "00".repeat(32))));
    all.add(valid("a wrong size", core, m -> with(m, "size", "12")));
    Map<String, byte[]> damaged = entries(core, json(base(core)));
    damaged.put(
        name() + ".core.zst",
        "\u0028\u00b5\u002f\u00fdgarbage that is no zstd frame"
            .getBytes(StandardCharsets.ISO_8859_1));
    all.add(new Case("a damaged zstd stream", damaged));
    all.add(
        valid(
            "control characters in comm, hostname and cmdline",
            core,
            m ->
                with(
                    with(
                        with(m, "exe", "node\u001b]0;owned\u0007"),
                        "hostname",
                        "web\r\n2026 fake line"),
                    "cmdline",
                    "\u001b[2Jrm -rf /")));
    all.add(valid("a hostname of 4 MiB", core, m -> with(m, "hostname", "h".repeat(4 << 20))));
    // A core that claims 64 KiB but inflates without end: the reader must stop, not fill a disk.
    byte[] bomb = Zstd.compress(new byte[256 << 20], 19);
    Map<String, byte[]> zipBomb = entries(core, json(base(core)));
    zipBomb.put(name() + ".core.zst", bomb);
    all.add(new Case("a zstd bomb (256 MiB of zeros behind a 64 KiB core)", zipBomb));
    Map<String, byte[]> infoBomb = entries(core, json(base(core)));
    infoBomb.put("proc/maps", new byte[64 << 20]);
    all.add(new Case("a 64 MiB proc entry", infoBomb));
    return all;
  }

  /** A dump that kept only its metadata (flood control, a full disk): no core entry at all. */
  static Case metadataOnly() throws IOException {
    byte[] core = core();
    Map<String, String> m = base(core);
    String j =
        new String(json(m), StandardCharsets.UTF_8)
            .replace("\"entry\":\"" + m.get("entry") + "\"", "\"entry\":null")
            .replace(
                "\"truncated\":false,\"reason\":null",
                "\"truncated\":true,\"reason\":\"flood: 3 cores per hour\"");
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put("proc/maps", "x".getBytes(StandardCharsets.UTF_8));
    e.put("dump-info.json", j.getBytes(StandardCharsets.UTF_8));
    return new Case("metadata only", e);
  }

  /** The dump's file name in its store: coroner's form, so it lists. */
  static String name() {
    return UUID + "-dump-1795770000-host-node-42-11";
  }

  /** Writes a case's zip into {@code store} (0700, as dumps live). */
  static Path write(Case c, Path store) throws IOException {
    Files.createDirectories(store);
    Path zip = store.resolve(name() + ".zip");
    try (OutputStream file = Files.newOutputStream(zip);
        ZipOutputStream out = new ZipOutputStream(file)) {
      for (var e : c.entries().entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    }
    return zip;
  }

  private static Case valid(String what, byte[] core, UnaryOperator<Map<String, String>> change) {
    Map<String, String> m = change.apply(base(core));
    return new Case(what, entries(core, json(m), m.get("entry")));
  }

  private static Case extra(String what, byte[] core, String entry) {
    Map<String, byte[]> e = entries(core, json(base(core)));
    e.put(entry, "x".getBytes(StandardCharsets.UTF_8));
    return new Case(what, e);
  }

  private static Map<String, byte[]> entries(byte[] core, byte[] info) {
    return entries(core, info, name() + ".core.zst");
  }

  private static Map<String, byte[]> entries(byte[] core, byte[] info, String coreEntry) {
    Map<String, byte[]> e = new LinkedHashMap<>();
    e.put(
        "proc/maps",
        "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/node\n"
            .getBytes(StandardCharsets.UTF_8));
    e.put(
        coreEntry == null || coreEntry.contains("..") ? name() + ".core.zst" : coreEntry,
        Zstd.compress(core));
    if (coreEntry != null && coreEntry.contains("..")) {
      e.put(coreEntry, Zstd.compress(core));
    }
    e.put("dump-info.json", info);
    return e;
  }

  private static Map<String, String> base(byte[] core) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("schema", "1");
    m.put("uuid", UUID);
    m.put("name", name());
    m.put("exe", "node");
    m.put("hostname", "host");
    m.put("cmdline", "node index.js");
    m.put("entry", name() + ".core.zst");
    m.put("size", Integer.toString(core.length));
    m.put("sha256", sha256(core));
    return m;
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> copy = new LinkedHashMap<>(m);
    copy.put(k, v);
    return copy;
  }

  private static byte[] json(Map<String, String> m) {
    String j =
        "{\"schema_version\":"
            + m.get("schema")
            + ",\"uuid\":"
            + q(m.get("uuid"))
            + ",\"name\":"
            + q(m.get("name"))
            + ",\"timestamp\":1795770000,\"hostname\":"
            + q(m.get("hostname"))
            + ",\"node_hostname\":\"node-1\""
            + ",\"process\":{\"exe\":"
            + q(m.get("exe"))
            + ",\"exe_path\":\"/usr/bin/node\",\"cmdline\":["
            + q(m.get("cmdline"))
            + "],\"pid\":42,\"host_pid\":4242,\"tid\":42,\"host_tid\":4242,\"uid\":0,\"gid\":0,\"signal\":11"
            + ",\"container_id\":null,\"core_limit\":\"unlimited\",\"pidfd_verified\":true}"
            + ",\"pod\":null"
            + ",\"core\":{\"entry\":"
            + q(m.get("entry"))
            + ",\"compression\":\"zstd\",\"size\":"
            + m.get("size")
            + ",\"stored_size\":1,\"sha256\":"
            + q(m.get("sha256"))
            + ",\"expected_size\":null}"
            + ",\"integrity\":{\"complete\":true,\"truncated\":false,\"reason\":null}"
            + ",\"files\":[],\"composer\":{\"version\":\"hostile\",\"duration_ms\":1,\"warnings\":[]}}";
    return j.getBytes(StandardCharsets.UTF_8);
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static byte[] core() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(dev.coroner.dump.elf.TrainingCore.of(64 << 10));
    return b.toByteArray();
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
