package dev.coroner.cli.dumps;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoredDump;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Dumps grouped by crash signature ({@code coroner groups}, {@code list --group}): one row per bug,
 * with how often and when it crashed and what it hit. Dumps without a signature (not analyzed, or
 * no frame could be named) form one group of their own, last.
 */
final class DumpGroups {
  /** The group of dumps without a signature. */
  static final String UNSIGNED = "-";

  // A Deployment's pod: NAME-<ReplicaSet hash>-<5>; a DaemonSet's or a Job's: NAME-<5>; a
  // StatefulSet's: NAME-<ordinal>. The workload is NAME. Kubernetes writes generated suffixes in
  // an alphabet without vowels (and 0, 1, 3), so "web-hello" stays whole.
  private static final String SAFE = "[bcdfghjklmnpqrstvwxz2456789]";
  private static final Pattern DEPLOYMENT =
      Pattern.compile("(.+)-" + SAFE + "{6,10}-" + SAFE + "{5}");
  private static final Pattern GENERATED = Pattern.compile("(.+)-" + SAFE + "{5}");
  private static final Pattern ORDINAL = Pattern.compile("(.+)-[0-9]+");

  private DumpGroups() {}

  /**
   * One group.
   *
   * @param signature the signature (the coarse one, over three frames, when grouping coarsely), or
   *     {@link #UNSIGNED}
   * @param runtime the newest analysis's runtime; null when no member's analysis says
   * @param topFrame the newest analysis's top frame; null when no member's analysis names one
   */
  record Group(
      String signature,
      @Nullable String runtime,
      @Nullable String topFrame,
      List<StoredDump> dumps,
      Instant first,
      Instant last,
      List<String> workloads,
      List<String> nodes,
      List<String> namespaces) {}

  /** Groups readable dumps by signature (or signature3), the largest group first. */
  static List<Group> of(List<StoredDump> dumps, boolean coarse) {
    Map<String, List<StoredDump>> by = new LinkedHashMap<>();
    for (StoredDump d : dumps) {
      if (d.info() == null) {
        continue;
      }
      CrashAnalysis a = d.info().analysis();
      String key = a == null ? null : coarse ? a.signature3() : a.signature();
      by.computeIfAbsent(key == null ? UNSIGNED : key, k -> new ArrayList<>()).add(d);
    }
    List<Group> groups = new ArrayList<>();
    by.forEach((key, members) -> groups.add(group(key, members)));
    groups.sort(
        Comparator.comparing((Group g) -> g.signature().equals(UNSIGNED))
            .thenComparing(g -> -g.dumps().size())
            .thenComparing(Group::last, Comparator.reverseOrder()));
    return groups;
  }

  private static Group group(String key, List<StoredDump> members) {
    List<StoredDump> newestFirst = new ArrayList<>(members);
    newestFirst.sort(Comparator.comparing(StoredDump::time).reversed());
    TreeSet<String> workloads = new TreeSet<>();
    TreeSet<String> nodes = new TreeSet<>();
    TreeSet<String> namespaces = new TreeSet<>();
    String runtime = null;
    String top = null;
    for (StoredDump d : newestFirst) {
      DumpInfo i = Objects.requireNonNull(d.info(), "of() groups only dumps with dump-info");
      workloads.add(workload(i));
      if (i.nodeHostname() != null) {
        nodes.add(i.nodeHostname());
      }
      if (i.pod() != null) {
        namespaces.add(i.pod().namespace());
      }
      if (i.analysis() != null) {
        runtime = runtime != null ? runtime : i.analysis().runtime();
        top = top != null ? top : i.analysis().topFrame();
      }
    }
    return new Group(
        key,
        runtime,
        top,
        List.copyOf(newestFirst),
        newestFirst.get(newestFirst.size() - 1).time(),
        newestFirst.get(0).time(),
        List.copyOf(workloads),
        List.copyOf(nodes),
        List.copyOf(namespaces));
  }

  /**
   * What crashed, as a workload: {@code namespace/name} for a pod, its generated suffixes (the
   * ReplicaSet hash and the pod's own) taken off; the executable's name for a host process.
   */
  static String workload(DumpInfo i) {
    if (i.pod() == null) {
      return String.valueOf(i.process().exe());
    }
    String pod = i.pod().name() == null ? "?" : i.pod().name();
    for (Pattern p : List.of(DEPLOYMENT, GENERATED, ORDINAL)) {
      var m = p.matcher(pod);
      if (m.matches()) {
        pod = m.group(1);
        break;
      }
    }
    return i.pod().namespace() + "/" + pod;
  }

  /** The groups as a table (wide: every workload, node and namespace, and the runtime). */
  static String table(List<Group> groups, boolean wide, ZoneId zone, boolean headers) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        wide
            ? new String[] {
              "SIGNATURE",
              "COUNT",
              "FIRST",
              "LAST",
              "RUNTIME",
              "CRASH",
              "WORKLOADS",
              "NODES",
              "NAMESPACES"
            }
            : new String[] {
              "SIGNATURE", "COUNT", "FIRST", "LAST", "CRASH", "WORKLOADS", "NODES", "NAMESPACES"
            });
    for (Group g : groups) {
      String crash =
          g.signature().equals(UNSIGNED)
              ? "(no signature)"
              : g.topFrame() == null ? "-" : cut(g.topFrame(), wide ? 200 : 40);
      String first = DumpViews.TIME.format(g.first().atZone(zone));
      String last = DumpViews.TIME.format(g.last().atZone(zone));
      String count = Integer.toString(g.dumps().size());
      if (wide) {
        rows.add(
            new String[] {
              g.signature(),
              count,
              first,
              last,
              g.runtime() == null ? "-" : g.runtime(),
              crash,
              String.join(",", g.workloads()),
              String.join(",", g.nodes()),
              g.namespaces().isEmpty() ? "-" : String.join(",", g.namespaces())
            });
      } else {
        rows.add(
            new String[] {
              g.signature(),
              count,
              first,
              last,
              crash,
              few(g.workloads()),
              few(g.nodes()),
              g.namespaces().isEmpty() ? "-" : few(g.namespaces())
            });
      }
    }
    return DumpViews.render(headers ? rows : rows.subList(1, rows.size()), rows.get(0).length);
  }

  /** The groups as JSON objects (docs/cli.md). */
  static ArrayNode json(List<Group> groups) {
    ArrayNode array = DumpViews.JSON.createArrayNode();
    for (Group g : groups) {
      ObjectNode o = array.addObject();
      boolean signed = !g.signature().equals(UNSIGNED);
      o.put("signature", signed ? g.signature() : null);
      o.put("runtime", g.runtime());
      o.put("top_frame", g.topFrame());
      o.put("count", g.dumps().size());
      o.put("first", g.first().toString());
      o.put("last", g.last().toString());
      g.workloads().forEach(o.putArray("workloads")::add);
      g.nodes().forEach(o.putArray("nodes")::add);
      g.namespaces().forEach(o.putArray("namespaces")::add);
      ArrayNode names = o.putArray("dumps");
      g.dumps().forEach(d -> names.add(d.name()));
    }
    return array;
  }

  private static String few(List<String> values) {
    if (values.size() <= 2) {
      return String.join(",", values);
    }
    return values.get(0) + "," + values.get(1) + ",+" + (values.size() - 2);
  }

  private static String cut(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "\u2026";
  }
}
