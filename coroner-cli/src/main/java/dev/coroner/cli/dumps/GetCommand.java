package dev.coroner.cli.dumps;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.archive.CorruptDumpException;
import dev.coroner.store.archive.DumpArchive;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coroner get DUMP}: copy a dump here and verify its core. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a dump to a directory and verify its core against the sha256 in dump-info.",
      "",
      "With --extract, lay it out as NAME/NAME.core (the raw core, byte for byte what the",
      "kernel gave) plus NAME/dump-info.json, NAME/proc/* and, for a container, NAME/container.log",
      "(the tail of its log at the crash). Files are 0600: cores hold secrets."
    })
public final class GetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Parameters(paramLabel = "DUMP", description = "The dump: name, uuid prefix, latest or -N.")
  String ref;

  @Option(
      names = {"-d", "--dir"},
      paramLabel = "DIR",
      description = "Where to put it (default: the current directory).",
      defaultValue = ".")
  Path dir;

  @Option(
      names = {"-x", "--extract"},
      description = "Unpack into DIR/NAME/ with the raw core as NAME.core.")
  boolean extract;

  @Override
  public Integer call() throws IOException {
    try (Store s = store.open()) {
      return call(s);
    }
  }

  private Integer call(Store s) throws IOException {
    StoredDump dump = StoreOptions.readable(StoreOptions.resolve(s, ref));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Files.createDirectories(dir);
    Path zip = dir.resolve(dump.name() + ".zip");
    boolean inPlace =
        dump.location() instanceof DumpLocation.LocalFile f
            && Files.isSameFile(dir, f.path().getParent());
    if (!inPlace) {
      try (ProgressBar bar = ProgressBar.onTerminal(err, "copy")) {
        s.fetch(dump, zip, bar);
      } catch (StoreException e) {
        throw StoreErrors.toCli(e, s.url());
      }
    }
    try (DumpArchive archive = DumpArchive.open(zip)) {
      DumpInfo info = archive.info();
      if (extract) {
        Path target = extract(archive, dir.resolve(dump.name()), err);
        out.println("Extracted " + target);
        out.println("  core  " + target.resolve(dump.name() + ".core"));
        out.println("  sha256 verified: " + info.core().sha256());
      } else {
        try (ProgressBar bar = ProgressBar.onTerminal(err, "verify")) {
          archive.writeCore(counting(OutputStream.nullOutputStream(), info.core().size(), bar));
        }
        out.println(zip);
        out.println("  sha256 verified: " + info.core().sha256());
      }
      if (info.integrity().truncated()) {
        err.println(
            "warning: this core is truncated ("
                + info.integrity().reason()
                + "); debuggers may show partial data");
      }
    } catch (CorruptDumpException e) {
      throw new CliException(CliException.FAILURE, e.getMessage() + "; the dump is damaged", e);
    }
    out.flush();
    return 0;
  }

  /** Writes NAME/NAME.core and the metadata entries; the core is verified while written. */
  private static Path extract(DumpArchive archive, Path target, PrintWriter err)
      throws IOException {
    Files.createDirectories(target);
    DumpInfo info = archive.info();
    for (String entry : archive.entries()) {
      if (entry.equals(info.core().entry())) {
        continue;
      }
      Path file = target.resolve(entry).normalize();
      if (!file.startsWith(target)) {
        throw new CorruptDumpException("entry " + entry + " points outside " + target);
      }
      Files.createDirectories(file.getParent());
      try (InputStream in = archive.open(entry)) {
        writePrivate(file, in.readAllBytes());
      }
    }
    if (info.core().entry() == null) {
      err.println(
          "note: this dump holds no core, only metadata (" + info.integrity().reason() + ")");
      return target;
    }
    Path core = target.resolve(info.name() + ".core");
    try (ProgressBar bar = ProgressBar.onTerminal(err, "extract")) {
      AtomicFiles.write(
          core,
          AtomicFiles.PRIVATE_FILE,
          file -> archive.writeCore(counting(file, info.core().size(), bar)));
    }
    return target;
  }

  private static void writePrivate(Path file, byte[] content) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(file, content);
  }

  private static OutputStream counting(OutputStream out, long total, TransferListener listener) {
    return new FilterOutputStream(out) {
      private long done;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        done += len;
        listener.progress(done, total);
      }
    };
  }
}
