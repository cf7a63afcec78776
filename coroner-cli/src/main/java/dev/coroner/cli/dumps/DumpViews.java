package dev.coroner.cli.dumps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coroner.base.text.SafeText;
import dev.coroner.base.units.ByteSizes;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How dumps are shown: the table of {@code coroner list} (and its wide form), and the stable JSON
 * documented in docs/cli.md.
 */
final class DumpViews {
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** Times as tables show them, zone included: what --since and --until take back. */
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

  private DumpViews() {}

  /** What the last column says of a dump that cannot be read. */
  private static String problemWord(StoredDump d) {
    return switch (Objects.requireNonNull(d.problem(), "an unreadable dump has a problem").kind()) {
      case DAMAGED -> "corrupt";
      case PERMISSION -> "no-access";
      case NEWER_SCHEMA -> "newer";
      case FOREIGN -> "foreign";
      case GONE -> "gone";
    };
  }

  /** One list row per dump; wide adds the name, the core's size and the node. */
  static String table(List<StoredDump> dumps, boolean wide, ZoneId zone) {
    return table(dumps, wide, zone, true);
  }

  /** The table, with or without its header line. */
  static String table(List<StoredDump> dumps, boolean wide, ZoneId zone, boolean headers) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        wide
            ? new String[] {
              "TIME",
              "WHERE",
              "CONTAINER",
              "EXE",
              "PID",
              "SIGNAL",
              "CRASH",
              "SIZE",
              "CORE",
              "NODE",
              "!",
              "NAME"
            }
            : new String[] {
              "TIME", "WHERE", "CONTAINER", "EXE", "PID", "SIGNAL", "CRASH", "SIZE", "!"
            });
    for (StoredDump d : dumps) {
      DumpInfo i = d.info();
      String time = TIME.format(d.time().atZone(zone));
      String mark = i == null ? problemWord(d) : i.integrity().truncated() ? "truncated" : "";
      String where = i == null ? "?" : i.pod() != null ? i.pod().qualifiedName() : i.hostname();
      String container =
          i == null
              ? "?"
              : i.pod() != null
                  ? i.pod().container()
                  : i.process().containerId() != null
                      ? i.process().containerId().substring(0, 12)
                      : "-";
      String exe = i == null ? "?" : i.process().exe();
      String pid = i == null ? "?" : Long.toString(i.process().pid());
      String signal = i == null ? "?" : i.process().signalName();
      String size = ByteSizes.format(d.size());
      String crash = i == null ? "?" : crash(i, wide ? 200 : CRASH_WIDTH);
      if (wide) {
        rows.add(
            new String[] {
              time,
              where,
              container,
              exe,
              pid,
              signal,
              crash,
              size,
              i == null ? "?" : ByteSizes.format(i.core().size()),
              i == null ? "?" : i.nodeHostname(),
              mark,
              d.name()
            });
      } else {
        rows.add(new String[] {time, where, container, exe, pid, signal, crash, size, mark});
      }
    }
    return render(headers ? rows : rows.subList(1, rows.size()), rows.get(0).length);
  }

  /** The CRASH column's width in the table; wide shows the whole frame. */
  static final int CRASH_WIDTH = 40;

  /**
   * The top in-app frame, {@code bar (index.js:11)}: cut to {@code width} with an ellipsis; {@code
   * -} when the dump was not analyzed or no frame could be named.
   */
  static String crash(DumpInfo i, int width) {
    String top = i.analysis() == null ? null : i.analysis().topFrame();
    if (top == null || top.isBlank()) {
      return "-";
    }
    return top.length() <= width ? top : top.substring(0, width - 1) + "\u2026";
  }

  static String render(List<String[]> raw, int columns) {
    // Cells come from the crashed process (comm, hostname, pod names from a crafted zip): escaped,
    // so that nothing in a dump can move the cursor or rewrite the admin's terminal.
    List<String[]> rows =
        raw.stream()
            .map(
                r ->
                    java.util.Arrays.stream(r)
                        .map(v -> SafeText.line(String.valueOf(v)))
                        .toArray(String[]::new))
            .toList();
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int c = 0; c < r.length; c++) {
        width[c] = Math.max(width[c], String.valueOf(r[c]).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < r.length; c++) {
        line.append(String.format("%-" + width[c] + "s", r[c]));
        if (c < r.length - 1) {
          line.append("  ");
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  /** The list as YAML: the JSON's objects, as kubectl users read them. */
  static String yaml(List<StoredDump> dumps) {
    ArrayNode array = JSON.createArrayNode();
    for (StoredDump d : dumps) {
      array.add(jsonRow(d));
    }
    try {
      return new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().writeValueAsString(array);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The list as JSON: an array of flat objects whose fields are documented and stable. */
  static String json(List<StoredDump> dumps) {
    ArrayNode array = JSON.createArrayNode();
    for (StoredDump d : dumps) {
      array.add(jsonRow(d));
    }
    try {
      return JSON.writeValueAsString(array);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode jsonRow(StoredDump d) {
    ObjectNode o = JSON.createObjectNode();
    DumpInfo i = d.info();
    o.put("name", d.name());
    o.put("uuid", d.uuid());
    o.put("location", d.location().display());
    o.put("size", d.size());
    o.put("time", d.time().toString());
    o.put("readable", i != null);
    o.put("problem", d.problem() == null ? null : d.problem().detail());
    if (i == null) {
      return o;
    }
    o.put("timestamp", i.timestamp());
    o.put("hostname", i.hostname());
    o.put("node_hostname", i.nodeHostname());
    o.put("namespace", i.pod() == null ? null : i.pod().namespace());
    o.put("pod", i.pod() == null ? null : i.pod().name());
    o.put("container", i.pod() == null ? null : i.pod().container());
    o.put("container_id", i.process().containerId());
    o.put("exe", i.process().exe());
    o.put("exe_path", i.process().exePath());
    o.put("pid", i.process().pid());
    o.put("host_pid", i.process().hostPid());
    o.put("signal", i.process().signal());
    o.put("signal_name", i.process().signalName());
    o.put("core_size", i.core().size());
    o.put("core_sha256", i.core().sha256());
    o.put("truncated", i.integrity().truncated());
    o.put("truncated_reason", i.integrity().reason());
    CrashAnalysis a = i.analysis();
    o.put("runtime", a == null ? null : a.runtime());
    o.put("signature", a == null ? null : a.signature());
    o.put("signature3", a == null ? null : a.signature3());
    o.put("top_frame", a == null ? null : a.topFrame());
    return o;
  }
}
