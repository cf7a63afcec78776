package dev.coroner.cli.dumps;

import dev.coroner.cli.errors.CliException;
import dev.coroner.core.store.DumpReference;
import dev.coroner.core.store.Store;
import dev.coroner.core.store.StoreException;
import dev.coroner.core.store.StoredDump;
import dev.coroner.core.store.Stores;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --store}: which store a command works on, and the lookups every command needs. */
public final class StoreOptions {
  /** The option's name; {@code Main} supplies its default from {@code CliConfig}. */
  public static final String OPTION = "--store";

  @Option(
      names = OPTION,
      paramLabel = "URL",
      description =
          "Where the dumps are: a directory, file:///dir (s3://bucket/prefix soon)."
              + " Default: $CORONER_STORE, else store= in ~/.config/coroner/config.properties,"
              + " else file:///var/lib/coroner/dumps. Now: ${DEFAULT-VALUE}")
  String url;

  /** Opens the store; a bad URL is a usage error. */
  public Store open() {
    try {
      return Stores.open(url == null ? Stores.DEFAULT : url);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, e.getMessage(), e);
    }
  }

  /** Lists the store, newest first; an unreachable store exits 4. */
  public static List<StoredDump> list(Store store) {
    try {
      return store.list();
    } catch (StoreException e) {
      throw new CliException(CliException.UNREACHABLE, e.getMessage(), e);
    }
  }

  /** Resolves a reference; unknown or ambiguous exits 3 with a hint. */
  public static StoredDump resolve(Store store, String ref) {
    try {
      return DumpReference.resolve(list(store), ref, store.url());
    } catch (DumpReference.UnresolvedException e) {
      throw new CliException(CliException.NOT_FOUND, e.getMessage(), e);
    }
  }

  /** A dump whose dump-info could be read, else exit 1 naming the problem. */
  public static StoredDump readable(StoredDump dump) {
    if (!dump.readable()) {
      throw new CliException(
          CliException.FAILURE,
          "dump "
              + dump.name()
              + " is corrupted ("
              + dump.problem()
              + "); 'coroner rm "
              + dump.name()
              + "' removes it");
    }
    return dump;
  }
}
