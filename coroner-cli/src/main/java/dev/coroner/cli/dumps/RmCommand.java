package dev.coroner.cli.dumps;

import dev.coroner.base.units.Durations;
import dev.coroner.cli.errors.CliException;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
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
  @Nullable String olderThan;

  @Option(names = "--dry-run", description = "Show what would be deleted, delete nothing.")
  boolean dryRun;

  @Option(
      names = LocalCopies.OPTION,
      paramLabel = "DIR",
      description =
          "The cache 'coroner debug' extracts cores into; a removed dump's copies there go too."
              + " Now: ${DEFAULT-VALUE}")
  Path cacheDir;

  @Override
  public Integer call() {
    if (refs.isEmpty() && olderThan == null) {
      throw new CliException(
          CliException.USAGE, "name the dumps to delete, or give --older-than AGE");
    }
    Instant cutoff = null;
    if (olderThan != null) {
      try {
        cutoff = Instant.now().minus(Durations.parse(olderThan));
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, "--older-than: " + e.getMessage(), e);
      }
    }
    try (Store s = store.open()) {
      return remove(s, cutoff);
    }
  }

  /** The extracted core stays no longer than its dump: it holds the same secrets. */
  private void forgetLocalCopies(StoredDump d) {
    if (cacheDir == null) {
      return;
    }
    try {
      new LocalCopies(cacheDir).forget(d.name(), d.uuid());
    } catch (IOException e) {
      spec.commandLine()
          .getErr()
          .println(
              "warning: could not remove the cached core of "
                  + d.name()
                  + " under "
                  + cacheDir
                  + ": "
                  + e.getMessage()
                  + "; remove it by hand");
    }
  }

  /** Named dumps, those older than the cutoff, or (both given) the named ones that are older. */
  private int remove(Store s, @Nullable Instant cutoff) {
    Set<StoredDump> doomed = new LinkedHashSet<>();
    if (refs.isEmpty()) {
      StoreOptions.list(s).stream().filter(d -> d.time().isBefore(cutoff)).forEach(doomed::add);
    } else {
      for (String ref : refs) {
        StoredDump d = StoreOptions.resolve(s, ref);
        if (cutoff == null || d.time().isBefore(cutoff)) {
          doomed.add(d);
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    for (StoredDump d : doomed) {
      if (!dryRun) {
        try {
          s.delete(d);
        } catch (StoreException e) {
          throw StoreErrors.toCli(e, s.url());
        }
        forgetLocalCopies(d);
      }
      out.println((dryRun ? "would remove " : "removed ") + d.name());
    }
    if (doomed.isEmpty()) {
      out.println(
          refs.isEmpty()
              ? "No dumps older than " + olderThan + "."
              : "None of the named dumps is older than " + olderThan + "; nothing removed.");
    }
    out.flush();
    return 0;
  }
}
