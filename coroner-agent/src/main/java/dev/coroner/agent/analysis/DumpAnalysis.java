package dev.coroner.agent.analysis;

import dev.coroner.agent.binaries.BinaryKeeper;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.analysis.Analysis;
import dev.coroner.analysis.Analyzer;
import dev.coroner.analysis.CoreModules;
import dev.coroner.analysis.Frame;
import dev.coroner.analysis.RuntimeKind;
import dev.coroner.analysis.Sysroots;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.base.text.SafeText;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.KeptBinary;
import dev.coroner.dump.name.SafeNames;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.StoreException;
import dev.coroner.store.archive.CorruptDumpException;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.archive.DumpInfoRewrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent finds out about a dump before uploading it, on the uploader's one thread (so one
 * analysis at a time, off the capture's path): the core is extracted next to the agent (with holes
 * for its zero pages), the process's files are collected and kept by build-id ({@link
 * BinaryKeeper}), the crashing thread is read with the process's own files as the sysroot, and the
 * result goes into the zip's dump-info ({@link DumpInfoRewrite}: a new zip, renamed over the old,
 * the core untouched), hence into the object's metadata, the sidecar and the listing index. Once in
 * the zip it is never done again: a retried upload or a restarted agent reads it back.
 *
 * <p>Failures of the analysis cost nothing but the analysis (the dump goes up without it); only the
 * upload of kept binaries may fail the attempt, so that a dump is never in the store before the
 * binaries it says are kept.
 */
public final class DumpAnalysis {
  private static final Logger LOG = LoggerFactory.getLogger(DumpAnalysis.class);

  /** Disk left free beside an extracted core. */
  private static final long HEADROOM = 256L << 20;

  private final @Nullable Analyzer analyzer;
  private final @Nullable BinaryKeeper keeper;
  private final @Nullable KeptBinaries store;
  private final Path workDir;
  private final AgentMetrics metrics;
  private volatile @Nullable Step last;

  /**
   * Where the time of one dump's analysis went, in milliseconds.
   *
   * @param extract the core out of the zip
   * @param collect the process's files found, checked and kept
   * @param analyze the debuggers
   * @param rewrite the zip's new dump-info
   */
  public record Step(long extract, long collect, long analyze, long rewrite) {
    /** The whole step, in milliseconds. */
    public long total() {
      return extract + collect + analyze + rewrite;
    }
  }

  /**
   * @param analyzer null when analysis is off (binaries are still kept)
   * @param keeper null when the process's files are not looked at
   * @param store where kept binaries go; null when the store keeps none
   * @param workDir where cores are extracted (emptied now: leftovers of a killed agent)
   */
  public DumpAnalysis(
      @Nullable Analyzer analyzer,
      @Nullable BinaryKeeper keeper,
      @Nullable KeptBinaries store,
      Path workDir,
      AgentMetrics metrics)
      throws IOException {
    this.analyzer = analyzer;
    this.keeper = keeper;
    this.store = store;
    this.workDir = workDir;
    this.metrics = metrics;
    deleteTree(workDir);
    AtomicFiles.ensurePrivateDirectory(workDir); // the raw core is extracted here
  }

  /**
   * Stores the binaries {@code info} says are kept, each build once.
   *
   * @throws StoreException when one cannot be stored (the dump's upload waits and is retried)
   */
  public void storeBinaries(DumpInfo info) throws StoreException {
    if (keeper == null || store == null || info.binaries().isEmpty()) {
      return;
    }
    long sent = keeper.upload(info, store);
    if (sent > 0) {
      metrics.binaryBytes.inc(sent);
      LOG.info("stored {} bytes of binaries of {}", sent, info.name());
    }
  }

  /**
   * The dump's info with its analysis and binaries, which the zip holds from now on. Never throws
   * for a dump it cannot read or analyze: it returns {@code info} as it was.
   *
   * @param info the dump-info to upload with (possibly completed since the capture)
   */
  public DumpInfo prepare(Path zip, DumpInfo info) throws InterruptedException {
    DumpInfo inZip;
    boolean elf;
    try (DumpArchive archive = DumpArchive.open(zip)) {
      inZip = archive.info();
      if (inZip.analysis() != null || !inZip.binaries().isEmpty()) {
        return info.withAnalysis(inZip.analysis(), inZip.binaries());
      }
      if (inZip.core().entry() == null || !SafeNames.isUuid(inZip.uuid())) {
        return info; // metadata only: nothing to read
      }
      try {
        elf = archive.coreIsElf();
      } catch (CorruptDumpException e) {
        metrics.analyses.labelValues("failed").inc();
        LOG.warn(
            "cannot analyze {}; uploading it without: {}",
            SafeText.line(inZip.name()),
            SafeText.line(String.valueOf(e.getMessage())));
        return info;
      }
    } catch (IOException e) {
      return info; // the upload meets it and says so
    }
    if (!elf) {
      // Extracting it would cost a write of its whole size (seconds per GiB) for nothing.
      metrics.analyses.labelValues("skipped").inc();
      LOG.warn(
          "not analyzing {}: its core is not an ELF file, so no debugger can read it",
          SafeText.line(inZip.name()));
      return info;
    }
    long start = System.nanoTime();
    Path work = workDir.resolve(inZip.uuid());
    try {
      AtomicFiles.ensurePrivateDirectory(work);
      if (work.toFile().getUsableSpace() < inZip.core().size() + HEADROOM) {
        metrics.analyses.labelValues("skipped").inc();
        LOG.warn("not analyzing {}: too little disk at {} for its core", inZip.name(), work);
        return info;
      }
      Path core = work.resolve("core");
      try (DumpArchive archive = DumpArchive.open(zip);
          SparseFile out = SparseFile.create(core)) {
        archive.writeCore(out);
      }
      long extracted = System.nanoTime();
      List<CoreModules.Module> modules = modules(core);
      String exePath = inZip.process().exePath();
      RuntimeKind runtime =
          RuntimeKind.detect(
              exePath == null ? null : Path.of(exePath),
              modules.stream().map(CoreModules.Module::path).toList());
      BinaryKeeper.Collection files =
          keeper == null
              ? new BinaryKeeper.Collection(List.of(), List.of())
              : keeper.collect(inZip, modules, runtime.id());
      long collected = System.nanoTime();
      CrashAnalysis analysis = null;
      if (analyzer != null) {
        Path sysroot = Sysroots.create(work.resolve("sysroot"), files.files());
        Path exe = exePath == null ? null : files.file(exePath);
        analysis = crashAnalysis(analyzer.analyze(core, exe, sysroot));
      }
      long analyzed = System.nanoTime();
      if (analysis == null && files.binaries().isEmpty()) {
        return info; // nothing learnt: the zip stays as the composer wrote it
      }
      DumpInfoRewrite.replace(zip, inZip.withAnalysis(analysis, files.binaries()));
      Step step =
          new Step(
              millis(start, extracted),
              millis(extracted, collected),
              millis(collected, analyzed),
              millis(analyzed, System.nanoTime()));
      last = step;
      report(inZip, analysis, files.binaries(), start, step);
      return info.withAnalysis(analysis, files.binaries());
    } catch (IOException | RuntimeException e) {
      metrics.analyses.labelValues("failed").inc();
      LOG.warn("cannot analyze {}; uploading it without: {}", inZip.name(), e.toString());
      return info;
    } finally {
      deleteTree(work);
    }
  }

  /** Where the time of the last analysis went; null before the first. */
  public @Nullable Step lastStep() {
    return last;
  }

  private static long millis(long from, long to) {
    return (to - from) / 1_000_000;
  }

  private static List<CoreModules.Module> modules(Path core) {
    try {
      return CoreModules.read(core);
    } catch (IOException e) {
      return List.of(); // a truncated core: the analysis says what it can
    }
  }

  private void report(
      DumpInfo info, @Nullable CrashAnalysis a, List<KeptBinary> binaries, long start, Step t) {
    double seconds = (System.nanoTime() - start) / 1e9;
    metrics.analysisSeconds.observe(seconds);
    if (a != null) {
      metrics.analyses.labelValues(a.signature() == null ? "unnamed" : "ok").inc();
    }
    long kept = binaries.stream().filter(KeptBinary::kept).count();
    LOG.info(
        "analyzed {} in {} ms (core {} ms, files {} ms, debuggers {} ms, zip {} ms): {}{};"
            + " {} of {} binaries kept",
        info.name(),
        Math.round(seconds * 1000),
        t.extract(),
        t.collect(),
        t.analyze(),
        t.rewrite(),
        // The top frame is read from the core and not scrubbed yet: the log gets the signature.
        a == null
            ? "analysis off"
            : a.topFrame() == null ? "no frame named" : "top frame in dump-info",
        a == null || a.signature() == null ? "" : ", signature " + a.signature(),
        kept,
        binaries.size());
    if (a != null && a.problem() != null) {
      // The debugger's own words may quote the core: dump-info has them, scrubbed.
      LOG.warn("analysis of {} had a problem; coroner info shows it", info.name());
    }
  }

  /** The analysis as dump-info carries it. */
  static CrashAnalysis crashAnalysis(Analysis a) {
    return new CrashAnalysis(
        a.runtime(),
        a.signature(),
        a.signature3(),
        a.topFrame(),
        a.tool(),
        a.durationMs(),
        a.problem(),
        a.frames().stream().map(DumpAnalysis::frame).toList());
  }

  private static CrashAnalysis.Frame frame(Frame f) {
    return new CrashAnalysis.Frame(
        f.kind(),
        f.function(),
        f.module(),
        f.buildId(),
        f.offset(),
        f.file(),
        f.line(),
        f.key(),
        f.inApp());
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", root, e.getMessage());
    }
  }
}
