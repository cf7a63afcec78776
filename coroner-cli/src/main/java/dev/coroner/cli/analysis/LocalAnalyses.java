package dev.coroner.cli.analysis;

import dev.coroner.analysis.Analysis;
import dev.coroner.analysis.Analyzer;
import dev.coroner.analysis.AnalyzerConfig;
import dev.coroner.analysis.Frame;
import dev.coroner.analysis.ProcessRunner;
import dev.coroner.analysis.ToolPaths;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.name.SafeNames;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.archive.DumpInfoJson;
import dev.coroner.store.archive.DumpStreams;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The analysis of dumps that came without one, made here: on one host there is no agent, so {@code
 * coroner list}, {@code groups} and {@code info} analyze each local dump the first time they meet
 * it, and keep the result in the cache ({@code CACHE/analysis/UUID-SHA.json}, keyed by the dump's
 * uuid and its core's sha256, so a crafted dump cannot borrow another's). {@code info --analyze}
 * does it for any dump, a remote one's core streamed from the store. The dump itself is never
 * changed: it is evidence, and the dump directory is root's.
 */
public final class LocalAnalyses {
  private final Path cache;
  private final Map<String, String> env;
  private final PrintWriter err;
  private @Nullable Analyzer analyzer; // made on first use: most listings analyze nothing

  /**
   * @param cache the CLI's cache directory
   * @param err where a note goes when dumps are being analyzed
   */
  public LocalAnalyses(Path cache, Map<String, String> env, PrintWriter err) {
    this.cache = cache;
    this.env = env;
    this.err = err;
  }

  /**
   * The dumps with the analysis each has, or has in the cache; local dumps without one are analyzed
   * now (about a second each, once). Remote dumps are analyzed by the agent: they are left as
   * listed.
   */
  public List<StoredDump> complete(Store store, List<StoredDump> dumps) {
    List<StoredDump> out = new ArrayList<>(dumps.size());
    List<Integer> todo = new ArrayList<>();
    for (StoredDump d : dumps) {
      DumpInfo i = d.info();
      DumpInfo cached = i == null || i.analysis() != null ? null : cached(i);
      out.add(cached != null ? with(d, cached) : d);
      if (cached == null && needsLocal(d)) {
        todo.add(out.size() - 1);
      }
    }
    if (!todo.isEmpty()) {
      err.println(
          "coroner: analyzing "
              + todo.size()
              + (todo.size() == 1 ? " dump" : " dumps")
              + " for the first time (the result is cached; --no-analyze skips this)");
      err.flush();
    }
    for (int at : todo) {
      StoredDump d = out.get(at);
      try {
        DumpInfo info =
            Objects.requireNonNull(d.info(), "needsLocal takes only dumps with dump-info");
        out.set(at, with(d, analyze(store, d, info)));
      } catch (IOException e) {
        err.println("coroner: cannot analyze " + d.name() + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return out;
  }

  /** {@code info} with an analysis: its own, the cached one, or one made now. */
  public DumpInfo ensure(Store store, StoredDump dump, DumpInfo info)
      throws IOException, InterruptedException {
    if (info.analysis() != null) {
      return info;
    }
    DumpInfo cached = cached(info);
    return cached != null ? cached : analyze(store, dump, info);
  }

  /** Analyzes the dump now and caches the result, whatever it had before. */
  public DumpInfo analyze(Store store, StoredDump dump, DumpInfo info)
      throws IOException, InterruptedException {
    if (info.core().entry() == null) {
      return info; // metadata only
    }
    if (dump.location() instanceof DumpLocation.LocalFile f && !coreIsElf(f.path())) {
      return info; // no debugger reads it: extracting it would cost a write of its whole size
    }
    Path work = Files.createDirectories(cache.resolve("analysis"));
    AtomicFiles.ensurePrivateDirectory(work);
    Path core = Files.createTempFile(work, "core", ".partial");
    try {
      extract(store, dump, info, core);
      KeptFiles.Found files = new KeptFiles(cache).find(store, info, core);
      Analysis a = analyzer().analyze(core, files.exe(), files.sysroot());
      DumpInfo analyzed = info.withAnalysis(crashAnalysis(a), info.binaries());
      Path file = cacheFile(info);
      if (file != null) {
        AtomicFiles.writeString(file, AtomicFiles.PRIVATE_FILE, analyzed.toJson());
      }
      return analyzed;
    } finally {
      Files.deleteIfExists(core);
    }
  }

  private static boolean coreIsElf(Path zip) throws IOException {
    try (DumpArchive archive = DumpArchive.open(zip)) {
      return archive.coreIsElf();
    }
  }

  private void extract(Store store, StoredDump dump, DumpInfo info, Path core) throws IOException {
    try (var out = Files.newOutputStream(core)) {
      if (dump.location() instanceof DumpLocation.LocalFile f) {
        try (DumpArchive archive = DumpArchive.open(f.path())) {
          archive.writeCore(out);
        }
      } else {
        try (InputStream zip = store.open(dump)) {
          DumpStreams.extractCore(zip, info, out);
        } catch (StoreException e) {
          throw new IOException(e.getMessage(), e);
        }
      }
    }
  }

  private static boolean needsLocal(StoredDump d) {
    return d.info() != null
        && d.info().analysis() == null
        && d.info().core().entry() != null
        && d.location() instanceof DumpLocation.LocalFile f
        && mayBeElf(f.path());
  }

  /** False only for a core that is readable and no ELF file: no debugger would read it. */
  private static boolean mayBeElf(Path zip) {
    try {
      return coreIsElf(zip);
    } catch (IOException e) {
      return true; // its analysis meets the damage and says so
    }
  }

  private @Nullable DumpInfo cached(DumpInfo info) {
    Path file = cacheFile(info);
    if (file == null || !Files.isRegularFile(file)) {
      return null;
    }
    try {
      DumpInfo c = DumpInfoJson.parse(Files.readAllBytes(file));
      // The uuid and the core's hash are in the file name: a stale or foreign file is ignored.
      if (c.analysis() == null || !c.uuid().equals(info.uuid())) {
        return null;
      }
      return info.withAnalysis(c.analysis(), info.binaries());
    } catch (IOException e) {
      return null;
    }
  }

  private @Nullable Path cacheFile(DumpInfo info) {
    String sha = info.core().sha256();
    if (!SafeNames.isUuid(info.uuid()) || sha == null || !sha.matches("[0-9a-f]{64}")) {
      return null;
    }
    return cache.resolve("analysis").resolve(info.uuid() + "-" + sha.substring(0, 16) + ".json");
  }

  private static StoredDump with(StoredDump d, DumpInfo info) {
    return new StoredDump(d.name(), d.size(), d.stored(), d.location(), info, d.problem());
  }

  private Analyzer analyzer() {
    if (analyzer == null) {
      // The cache's exe/ directory is the debug command's too: one stripped node per build.
      analyzer =
          new Analyzer(AnalyzerConfig.of(ToolPaths.discover(env), cache), new ProcessRunner());
    }
    return analyzer;
  }

  /** The analysis as dump-info carries it. */
  static CrashAnalysis crashAnalysis(Analysis a) {
    List<CrashAnalysis.Frame> frames = new ArrayList<>();
    for (Frame f : a.frames()) {
      frames.add(
          new CrashAnalysis.Frame(
              f.kind(),
              f.function(),
              f.module(),
              f.buildId(),
              f.offset(),
              f.file(),
              f.line(),
              f.key(),
              f.inApp()));
    }
    return new CrashAnalysis(
        a.runtime(),
        a.signature(),
        a.signature3(),
        a.topFrame(),
        a.tool(),
        a.durationMs(),
        a.problem(),
        frames);
  }
}
