package dev.coroner.cli.dumps;

import dev.coroner.cli.analysis.LocalAnalyses;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.Signals;
import dev.coroner.store.Store;
import dev.coroner.store.StoredDump;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coroner list}: the dumps in a store, newest first; {@code --group}: by signature. */
@Command(
    name = "list",
    aliases = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "List dumps, newest first.",
      "",
      "MATCH, as coredumpctl takes it: a PID, an executable's path (/usr/bin/node) or a command",
      "name (node); several MATCHes show dumps that match any of them.",
      "",
      "WHERE is namespace/pod for a Kubernetes pod, else the crashed process's hostname. TIME is",
      "shown with its zone, in the form --since and --until take. CRASH is the top frame of the",
      "application's own code, from the dump's analysis (docs/analysis.md). The last column marks",
      "truncated or unreadable dumps. -o json is documented in docs/cli.md.",
      "",
      "The node agent analyzes each dump before upload. Dumps in a local directory (one host, no",
      "agent) are analyzed here the first time a command meets them, about a second each, and",
      "the result is cached (--cache-dir); --no-analyze shows only what is known already.",
      "",
      "--group (or 'coroner groups') shows one row per crash signature instead: how many dumps,",
      "first and last seen, and the workloads, nodes and namespaces it hit."
    })
public class ListCommand implements Callable<Integer> {
  /** The option's name; {@code Main} supplies its default from {@code CliConfig}. */
  public static final String CACHE_OPTION = LocalCopies.OPTION;

  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "Only crashes at or after TIME: an age (2h, 7d), a date (2026-11-27) or date-time (2026-11-27T08:00).")
  @Nullable String since;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description = "Only crashes at or before TIME (same forms as --since).")
  @Nullable String until;

  @Option(
      names = "--exe",
      paramLabel = "GLOB",
      description = "Only this executable (name or glob, e.g. node or java*).")
  @Nullable String exe;

  @Parameters(paramLabel = "MATCH", arity = "0..*", description = "PID, executable path or name.")
  java.util.List<String> matches = new java.util.ArrayList<>();

  @Mixin NamespaceOptions ns;

  @Option(names = "--no-headers", description = "No header line in table and wide output.")
  boolean noHeaders;

  @Option(
      names = "--pod",
      paramLabel = "GLOB",
      description = "Only crashes of this pod (name or glob).")
  @Nullable String pod;

  @Option(
      names = "--signal",
      paramLabel = "SIG",
      description = "Only this signal: a number (11) or name (SIGSEGV, segv).")
  @Nullable String signal;

  @Option(names = "--limit", paramLabel = "N", description = "Show at most the N newest.")
  @Nullable Integer limit;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table (default), wide, json, yaml or name (one name per line).",
      defaultValue = "table")
  OutputFormat output;

  @Option(names = "--group", description = "One row per crash signature (as 'coroner groups').")
  boolean group;

  @Option(
      names = "--coarse",
      description =
          "With --group: group by the top three in-app frames (signature3), not the top five.")
  boolean coarse;

  @Option(
      names = "--no-analyze",
      description = "Do not analyze local dumps that have no analysis yet (CRASH shows -).")
  boolean noAnalyze;

  @Option(
      names = CACHE_OPTION,
      paramLabel = "DIR",
      description = "Where analyses of local dumps are cached (0700). Now: ${DEFAULT-VALUE}")
  java.nio.file.@Nullable Path cacheDir;

  Clock clock = Clock.system(ZoneId.systemDefault());

  java.util.Map<String, String> env = System.getenv();

  @Override
  public Integer call() {
    StoreOptions.Scope scope = ns.scope();
    DumpFilter filter = filter();
    if (limit != null && limit < 1) {
      throw new CliException(CliException.USAGE, "--limit must be at least 1: " + limit);
    }
    List<DumpMatch> wanted = matches.stream().map(DumpMatch::new).toList();
    if (coarse && !group) {
      throw new CliException(CliException.USAGE, "--coarse goes with --group");
    }
    List<StoredDump> dumps;
    String url;
    int others;
    try (Store s = store.open(scope, spec.commandLine().getErr())) {
      url = s.url() + where();
      List<StoredDump> all = StoreOptions.list(s);
      // On one host each user may read only their own dumps (the capture's ACL): the others' are
      // counted, not shown.
      List<StoredDump> readable = all.stream().filter(d -> !deniedToMe(d)).toList();
      others = all.size() - readable.size();
      dumps =
          readable.stream()
              .filter(filter)
              .filter(d -> wanted.isEmpty() || wanted.stream().anyMatch(m -> m.test(d)))
              .limit(limit == null ? Long.MAX_VALUE : limit)
              .toList();
      if (!noAnalyze && cacheDir != null) {
        dumps = new LocalAnalyses(cacheDir, env, spec.commandLine().getErr()).complete(s, dumps);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (others > 0) {
      spec.commandLine()
          .getErr()
          .println(
              others
                  + (others == 1 ? " dump" : " dumps")
                  + " of other users not shown: each user reads only their own; root sees all.");
    }
    if (group) {
      printGroups(DumpGroups.of(dumps, coarse), url, out);
      out.flush();
      return 0;
    }
    switch (output) {
      case json -> out.println(DumpViews.json(dumps));
      case yaml -> out.print(DumpViews.yaml(dumps));
      case name -> dumps.forEach(d -> out.println(dev.coroner.base.text.SafeText.line(d.name())));
      case table, wide -> {
        if (dumps.isEmpty()) {
          spec.commandLine()
              .getErr()
              .println(
                  "No dumps in "
                      + url
                      + (isFiltered()
                          ? " match; loosen the filters or run 'coroner list' without them."
                          : " yet. Crashes land here once 'coroner install' has run"
                              + " ('coroner demo' shows it); elsewhere, pass --store."));
        } else {
          out.print(
              DumpViews.table(dumps, output == OutputFormat.wide, clock.getZone(), !noHeaders));
        }
      }
    }
    out.flush();
    return 0;
  }

  private static boolean deniedToMe(StoredDump d) {
    return d.problem() != null
        && d.problem().kind() == dev.coroner.store.DumpProblem.Kind.PERMISSION;
  }

  private void printGroups(List<DumpGroups.Group> groups, String url, PrintWriter out) {
    switch (output) {
      case json -> out.println(DumpGroups.json(groups).toPrettyString());
      case yaml -> {
        try {
          out.print(
              new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                  .writeValueAsString(DumpGroups.json(groups)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      case name ->
          groups.forEach(g -> out.println(dev.coroner.base.text.SafeText.line(g.signature())));
      case table, wide -> {
        if (groups.isEmpty()) {
          spec.commandLine()
              .getErr()
              .println(
                  "No dumps in " + url + (isFiltered() ? " match; loosen the filters." : " yet."));
        } else {
          out.print(
              DumpGroups.table(groups, output == OutputFormat.wide, clock.getZone(), !noHeaders));
        }
      }
    }
  }

  /** A glob option that does not compile is a usage error, never a crash of the command. */
  private static void glob(String option, @Nullable String pattern) {
    if (pattern == null) {
      return;
    }
    try {
      java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.USAGE,
          option
              + " '"
              + pattern
              + "' is not a glob ("
              + java.util.Objects.requireNonNullElse(e.getMessage(), "")
                  .lines()
                  .findFirst()
                  .orElse("")
              + "); use a name or a pattern like 'node*'");
    }
  }

  /** The cluster store's namespace, for messages. */
  private String where() {
    if (!store.cluster()) {
      return "";
    }
    if (ns.allNamespaces()) {
      return " (every namespace)";
    }
    return ns.namespace() != null
        ? " (namespace " + ns.namespace() + ")"
        : " (the context's namespace; -A for all)";
  }

  private boolean isFiltered() {
    return since != null
        || until != null
        || exe != null
        || (ns.namespace() != null && !store.cluster())
        || pod != null
        || signal != null
        || !matches.isEmpty();
  }

  DumpFilter filter() {
    Instant now = clock.instant();
    ZoneId zone = clock.getZone();
    glob("--exe", exe);
    glob("--pod", pod);
    try {
      return new DumpFilter(
          since == null ? null : TimeArg.parse(since, now, zone),
          until == null ? null : TimeArg.parse(until, now, zone),
          exe,
          // The cluster store lists that namespace only, host processes' dumps included.
          store.cluster() ? null : ns.namespace(),
          pod,
          signal == null
              ? null
              : Signals.parse(signal)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "unknown signal '"
                                  + signal
                                  + "'; use a number or a name like SIGSEGV")));
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, e.getMessage(), e);
    }
  }
}
