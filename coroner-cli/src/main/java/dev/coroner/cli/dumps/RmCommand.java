package dev.coroner.cli.dumps;

import dev.coroner.base.units.Durations;
import dev.coroner.cli.errors.CliException;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coroner rm}: delete dumps by reference or by age. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Delete dumps: the ones named, or all older than --older-than.",
      "",
      "Every reference is resolved before anything is deleted: one unknown reference deletes",
      "nothing."
    })
public final class RmCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Parameters(
      paramLabel = "DUMP",
      arity = "0..*",
      description = "Dumps: names, uuid prefixes, latest or -N.")
  List<String> refs = new ArrayList<>();

  @Option(
      names = "--older-than",
      paramLabel = "AGE",
      description = "Delete every dump whose crash is older than AGE, e.g. 7d or 12h.")
  String olderThan;

  @Option(names = "--dry-run", description = "Show what would be deleted, delete nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    if (refs.isEmpty() && olderThan == null) {
      throw new CliException(
          CliException.USAGE, "name the dumps to delete, or give --older-than AGE");
    }
    Store s = store.open();
    Set<StoredDump> doomed = new LinkedHashSet<>();
    for (String ref : refs) {
      doomed.add(StoreOptions.resolve(s, ref));
    }
    if (olderThan != null) {
      Duration age;
      try {
        age = Durations.parse(olderThan);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "--older-than: " + e.getMessage(), e);
      }
      Instant cutoff = Instant.now().minus(age);
      StoreOptions.list(s).stream().filter(d -> d.time().isBefore(cutoff)).forEach(doomed::add);
    }
    PrintWriter out = spec.commandLine().getOut();
    for (StoredDump d : doomed) {
      if (!dryRun) {
        try {
          s.delete(d);
        } catch (StoreException e) {
          throw new CliException(CliException.UNREACHABLE, e.getMessage(), e);
        }
      }
      out.println((dryRun ? "would remove " : "removed ") + d.name());
    }
    if (doomed.isEmpty()) {
      out.println("No dumps older than " + olderThan + ".");
    }
    out.flush();
    return 0;
  }
}
