package dev.coroner.cli.dumps;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.name.SafeNames;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.archive.CorruptDumpException;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.archive.DumpStreams;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
      "(the tail of its log at the crash). Files are 0600: cores hold secrets.",
      "",
      "With -o FILE (or -o - for standard output, as coredumpctl dump does) only the raw core is",
      "written, verified on the way.",
      "",
      "A dump encrypted at rest (NAME.zip.age) is decrypted with --identity and written as the",
      "plain zip it encrypts; without the right identity it exits 4 and says so.",
      "",
      "A damaged dump exits 1 and leaves nothing behind; nothing read from a dump chooses a path."
    })
public final class GetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Mixin IdentityOptions identity;

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

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write only the raw core, to FILE or (-) standard output.")
  String output;

  @Override
  public Integer call() {
    if (output != null && extract) {
      throw new CliException(CliException.USAGE, "-o and --extract exclude each other; choose one");
    }
    try (Store s = identity.wrap(store.open())) {
      StoredDump dump = StoreOptions.readable(StoreOptions.resolve(s, ref));
      if (output != null) {
        return core(s, dump);
      }
      return copy(s, dump, directory());
    } catch (IOException e) {
      throw new CliException(
          CliException.FAILURE, "cannot write to " + where() + ": " + e.getMessage(), e);
    }
  }

  /** The target directory, absolute, created if missing; a usage error if it cannot be one. */
  private Path directory() {
    Path target = dir.toAbsolutePath().normalize();
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new CliException(CliException.USAGE, "-d " + dir + " is not a directory");
    }
    try {
      Files.createDirectories(target);
    } catch (IOException e) {
      throw new CliException(
          CliException.FAILURE,
          "cannot create " + target + " (" + reason(e) + "); choose another -d");
    }
    if (!Files.isWritable(target)) {
      throw new CliException(
          CliException.FAILURE, "cannot write to " + target + "; choose another -d");
    }
    return target;
  }

  private int copy(Store s, StoredDump dump, Path target) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String name = fileName(dump);
    Path zip = target.resolve(name + ".zip");
    boolean inPlace = dump.location() instanceof DumpLocation.LocalFile f && f.path().equals(zip);
    // Fetched under a hidden name and renamed only once verified: a damaged download never
    // sits in the target looking like a dump.
    Path fetched = inPlace ? zip : target.resolve("." + name + ".zip" + AtomicFiles.PARTIAL);
    if (!inPlace) {
      try (ProgressBar bar = ProgressBar.onTerminal(err, "copy")) {
        s.fetch(dump, fetched, bar);
      } catch (StoreException e) {
        throw StoreErrors.toCli(e, s.url());
      }
    }
    boolean done = false;
    try (DumpArchive archive = DumpArchive.open(fetched)) {
      DumpInfo info = archive.info();
      if (extract) {
        Path into = target.resolve(name);
        extract(archive, into, name, err);
        out.println("Extracted " + into);
        if (info.core().entry() != null) {
          out.println("  core  " + into.resolve(name + ".core"));
          out.println("  sha256 verified: " + info.core().sha256());
        } else {
          out.println(
              "  no core: this dump holds only metadata (" + info.integrity().reason() + ")");
        }
      } else if (info.core().entry() != null) {
        try (ProgressBar bar = ProgressBar.onTerminal(err, "verify")) {
          archive.writeCore(counting(OutputStream.nullOutputStream(), info.core().size(), bar));
        }
        out.println(zip);
        out.println("  sha256 verified: " + info.core().sha256());
      } else {
        out.println(zip);
        out.println("  no core: this dump holds only metadata (" + info.integrity().reason() + ")");
      }
      warnIfTruncated(info, err);
      done = true;
    } catch (CorruptDumpException e) {
      throw new CliException(CliException.FAILURE, e.getMessage() + "; the dump is damaged", e);
    } finally {
      if (!inPlace) {
        if (done) {
          Files.move(
              fetched, zip, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
          Files.deleteIfExists(fetched);
        }
      }
    }
    out.flush();
    return 0;
  }

  /** {@code -o}: the raw core alone, to a file (through a partial) or to standard output. */
  // On Java 22+ System.console() is a Console even when redirected (Console.isTerminal() tells,
  // but not on 17): left as it was, a known gap.
  @SuppressWarnings("SystemConsoleNull")
  private int core(Store s, StoredDump dump) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    DumpInfo info = StoreOptions.info(s, dump);
    if (info.core().entry() == null) {
      throw new CliException(
          CliException.FAILURE,
          "dump "
              + dump.name()
              + " holds no core, only metadata ("
              + info.integrity().reason()
              + ")");
    }
    if (output.equals("-") && System.console() != null) {
      throw new CliException(
          CliException.USAGE,
          "-o - would write a binary core to the terminal; redirect it to a file");
    }
    // Streamed once from the store: the zip itself is never written here.
    try (InputStream zip = open(s, dump)) {
      if (output.equals("-")) {
        // Checked as it streams: a mismatch ends in exit 1 after the bytes went out.
        DumpStreams.extractCore(zip, info, System.out);
        System.out.flush();
      } else {
        AtomicFiles.write(
            Path.of(output).toAbsolutePath(),
            AtomicFiles.PRIVATE_FILE,
            o -> DumpStreams.extractCore(zip, info, o));
        spec.commandLine().getOut().println(output);
        spec.commandLine().getOut().println("  sha256 verified: " + info.core().sha256());
      }
    } catch (CorruptDumpException e) {
      throw new CliException(CliException.FAILURE, e.getMessage() + "; the dump is damaged", e);
    }
    warnIfTruncated(info, err);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private static InputStream open(Store s, StoredDump dump) {
    try {
      return s.open(dump);
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, s.url());
    }
  }

  /**
   * The name a dump is written under: its own if it is a safe file name, else its uuid. Never what
   * dump-info inside the zip says: a crafted one could climb out of the target.
   */
  private static String fileName(StoredDump dump) {
    try {
      return SafeNames.fileName(dump.name(), dump.uuid());
    } catch (IllegalArgumentException e) {
      throw new CliException(
          CliException.FAILURE,
          "refusing to write dump "
              + dump.uuid()
              + ": "
              + e.getMessage()
              + "; it is not coroner's");
    }
  }

  /**
   * Writes NAME/NAME.core and the metadata entries; the core is verified while written. The whole
   * layout is built in a hidden directory and renamed into place only once complete, so a dump that
   * turns out damaged half-way leaves nothing behind.
   */
  private static void extract(DumpArchive archive, Path target, String name, PrintWriter err)
      throws IOException {
    Path work = target.resolveSibling("." + name + AtomicFiles.PARTIAL);
    deleteTree(work);
    boolean done = false;
    try {
      AtomicFiles.ensurePrivateDirectory(work);
      writeEntries(archive, work, name, err);
      deleteTree(target);
      Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        deleteTree(work);
      }
    }
  }

  private static void writeEntries(DumpArchive archive, Path target, String name, PrintWriter err)
      throws IOException {
    DumpInfo info = archive.info();
    for (String entry : archive.entries()) {
      if (entry.equals(info.core().entry())) {
        continue;
      }
      Path file = target.resolve(entry).normalize();
      if (!file.startsWith(target)
          || file.equals(target)
          || entry.chars().anyMatch(c -> c < 0x20)) {
        throw new CorruptDumpException("entry '" + entry + "' points outside " + target);
      }
      Files.createDirectories(file.getParent());
      try (InputStream in = archive.open(entry)) {
        AtomicFiles.write(file, AtomicFiles.PRIVATE_FILE, o -> in.transferTo(o));
      }
    }
    if (info.core().entry() == null) {
      return;
    }
    Path core = target.resolve(name + ".core");
    try (ProgressBar bar = ProgressBar.onTerminal(err, "extract")) {
      AtomicFiles.write(
          core,
          AtomicFiles.PRIVATE_FILE,
          file -> archive.writeCore(counting(file, info.core().size(), bar)));
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void warnIfTruncated(DumpInfo info, PrintWriter err) {
    if (info.integrity().truncated()) {
      err.println(
          "warning: this core is truncated ("
              + dev.coroner.base.text.SafeText.line(info.integrity().reason())
              + "); debuggers may show partial data");
    }
  }

  private String where() {
    return output != null ? output : dir.toString();
  }

  private static String reason(IOException e) {
    return e instanceof java.nio.file.AccessDeniedException
        ? "permission denied"
        : e instanceof java.nio.file.FileSystemException f && f.getReason() != null
            ? f.getReason()
            : String.valueOf(e.getMessage());
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
