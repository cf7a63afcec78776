package dev.coroner.seal;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.base.files.DigestBehind;
import dev.coroner.base.files.WriteBehind;
import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.Integrity;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.dump.ScrubMode;
import dev.coroner.scrub.EnvSecrets;
import dev.coroner.scrub.ScrubOptions;
import dev.coroner.scrub.ScrubReport;
import dev.coroner.scrub.Scrubber;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Turns a finished dump zip into its scrubbed form: the core decompressed into a private file
 * beside it, scrubbed in place ({@link Scrubber}, offsets kept), recompressed; every other entry
 * ({@code proc/*}, {@code container.log}) and the text dump-info takes from the process (command
 * line, pod labels and annotations) scrubbed as text; dump-info rewritten with the scrubbed core's
 * sha256 and the report ({@code scrub}); the result written as {@code TARGET.partial}, synced and
 * renamed over {@code TARGET} only once whole. So a dump is never published half-scrubbed, and the
 * original core's hash is not kept anywhere.
 *
 * <p>A core the scrubber cannot read as ELF (not ELF, damaged headers) is scrubbed as text, every
 * byte; with the heap drop asked for, which needs the ELF structure, it is dropped rather than
 * published with its secrets: the dump keeps its scrubbed metadata, marked truncated with {@link
 * IntegrityCause#SCRUB_FAILED}. A core whose bytes do not match dump-info's sha256 is not scrubbed
 * at all ({@link DamagedDumpException}): scrubbing would give a damaged core a valid hash.
 *
 * <p>Shared by every place a dump is made complete: the composer on one host (after it released the
 * crashing process), the receiver, and the agent before upload. One instance may be used by many
 * threads.
 */
public final class DumpScrubber {
  /** Text entries are small (/proc files are capped at 8 MiB); a larger one is not a dump's. */
  private static final long MAX_TEXT_ENTRY = 64L << 20;

  private final int level;
  private final int threads;

  private DumpScrubber(int level, int threads) {
    this.level = level;
    this.threads = threads;
  }

  /**
   * A scrubber that recompresses zstd cores at {@code level} (the capture's level) with {@code
   * threads} scanning threads.
   */
  public static DumpScrubber of(int level, int threads) {
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("threads must be 1-64: " + threads);
    }
    return new DumpScrubber(level, threads);
  }

  /** The default: zstd level 3, up to two threads. */
  public static DumpScrubber defaults() {
    return of(3, Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
  }

  /** The zip does not hold what its dump-info says (a wrong sha256, a missing entry). */
  public static final class DamagedDumpException extends IOException {
    private static final long serialVersionUID = 1L;

    DamagedDumpException(String message) {
      super(message);
    }
  }

  /** What to scrub with. */
  public static final class Request {
    private final ScrubMode mode;
    private final byte @Nullable [] environ;

    /**
     * A request.
     *
     * @param mode {@link ScrubMode#DEFAULT} or {@link ScrubMode#DROP_HEAP}; {@link ScrubMode#OFF}
     *     only records that the dump was deliberately left as it is
     * @param environ the crashed process's {@code /proc/PID/environ} (NUL-separated {@code
     *     NAME=VALUE}), whose secret-looking values are blanked wherever they occur; null if
     *     unknown. Never stored; the caller clears it afterwards.
     */
    public Request(ScrubMode mode, byte @Nullable [] environ) {
      this.mode = mode;
      this.environ = environ;
    }

    /** The mode to apply. */
    public ScrubMode mode() {
      return mode;
    }

    /** The environment as given (not a copy: the caller clears it). */
    public byte @Nullable [] environ() {
      return environ;
    }

    @Override
    public String toString() {
      return "Request[mode="
          + mode.id()
          + ", environ="
          + (environ == null ? "none" : "given")
          + "]";
    }
  }

  /** The published dump and its dump-info as written into it. */
  public record Scrubbed(Path file, DumpInfo info) {}

  /**
   * Scrubs the dump at {@code source}, described by {@code info} (the caller has read or built it),
   * into {@code target} (which may be {@code source}: it is replaced atomically). Temporary files
   * live beside {@code target} (same file system, same private directory) and are gone when this
   * returns.
   *
   * @throws DamagedDumpException if the zip does not match its dump-info; nothing is written
   * @throws IOException if reading or writing fails (a full disk): {@code target} is untouched, and
   *     the caller may try again
   */
  public Scrubbed scrub(Path source, Path target, DumpInfo info, Request request)
      throws IOException {
    long started = System.nanoTime();
    Scrubber scrubber = Scrubber.of(options(request));
    Path partial = AtomicFiles.partialOf(target);
    Path coreFile = target.resolveSibling("." + target.getFileName() + ".scrub-core");
    Files.deleteIfExists(partial);
    Files.deleteIfExists(coreFile);
    Map<String, Long> counts = new TreeMap<>();
    try (ZipFile in = new ZipFile(source.toFile())) {
      String coreEntry = info.core().entry();
      @Nullable ScrubReport core = null;
      if (coreEntry != null) {
        ZipEntry e = in.getEntry(coreEntry);
        if (e == null) {
          throw new DamagedDumpException("no entry " + coreEntry + " in " + source.getFileName());
        }
        extractCore(in, e, info, coreFile);
        // A scratch copy: the zip it goes into is synced, not the copy.
        core = scrubber.scrubScratchCore(coreFile);
        if (!core.complete() && request.mode() != ScrubMode.DROP_HEAP) {
          // Not a core the scrubber can read (not ELF, damaged headers): every byte as text.
          core = scrubAsText(scrubber, coreFile);
        }
        add(counts, core);
      }
      DumpInfo written;
      // The file's writes run behind the compression, on a thread of their own.
      try (FileChannel ch = AtomicFiles.create(partial, AtomicFiles.PRIVATE_FILE);
          OutputStream buffered = new WriteBehind(ch);
          ZipOutputStream zip = new ZipOutputStream(buffered)) {
        List<String> files = new ArrayList<>();
        for (ZipEntry e : Collections.list(in.entries())) {
          String name = e.getName();
          if (name.equals(DumpInfo.ENTRY) || name.equals(coreEntry)) {
            continue;
          }
          byte[] text = readText(in, e);
          add(counts, scrubber.scrubText(text));
          writeEntry(zip, name, text);
          files.add(name);
        }
        DumpInfo.CoreInfo coreInfo = info.core();
        Integrity integrity = info.integrity();
        if (core != null && core.complete() && coreEntry != null) {
          coreInfo = writeCore(zip, coreEntry, coreFile, info.core());
          files.add(coreEntry);
        } else if (core != null) {
          // Never publish a core that may still hold secrets; keep what is known about the crash.
          coreInfo =
              new DumpInfo.CoreInfo(
                  null, info.core().compression(), info.core().size(), 0, null, null);
          integrity =
              Integrity.truncated(
                  IntegrityCause.SCRUB_FAILED, "the core was dropped: " + core.failure());
        }
        boolean complete = request.mode() != ScrubMode.OFF && (core == null || core.complete());
        written =
            sealedInfo(
                scrubber,
                info,
                counts,
                coreInfo,
                integrity,
                files,
                request.mode(),
                complete,
                started);
        writeEntry(zip, DumpInfo.ENTRY, written.toJson().getBytes(StandardCharsets.UTF_8));
        zip.finish();
        buffered.flush();
        ch.force(true);
      }
      return new Scrubbed(AtomicFiles.publish(partial, target), written);
    } finally {
      Files.deleteIfExists(coreFile);
      Files.deleteIfExists(partial);
    }
  }

  /**
   * Dump-info for a dump whose entries were scrubbed: the text it takes from the process (command
   * line, pod labels and annotations, the analysis) scrubbed too, with the given core, integrity
   * and entries, and the report of {@code counts} (the entries' matches; this adds the text's).
   */
  static DumpInfo sealedInfo(
      Scrubber scrubber,
      DumpInfo info,
      Map<String, Long> counts,
      DumpInfo.CoreInfo coreInfo,
      Integrity integrity,
      List<String> files,
      ScrubMode mode,
      boolean complete,
      long startedNanos) {
    return withScrubbedAnalysis(scrubber, counts, info)
        .scrubbed(
            scrubProcess(scrubber, info.process(), counts),
            scrubPod(scrubber, info.pod(), counts),
            coreInfo,
            integrity,
            files,
            new DumpInfo.ScrubInfo(
                mode.id(), counts, complete, (System.nanoTime() - startedNanos) / 1_000_000));
  }

  /** Scrubs a file that is not a readable core as text, every byte, through a second file. */
  private static ScrubReport scrubAsText(Scrubber scrubber, Path file) throws IOException {
    Path text = file.resolveSibling(file.getFileName() + ".text");
    try {
      ScrubReport r;
      try (InputStream in = Files.newInputStream(file);
          FileChannel ch = AtomicFiles.create(text, AtomicFiles.PRIVATE_FILE);
          OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20)) {
        r = scrubber.scrubStream(in, out);
      }
      Files.move(text, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return r;
    } finally {
      Files.deleteIfExists(text);
    }
  }

  private ScrubOptions options(Request request) {
    ScrubOptions o = ScrubOptions.defaults().withThreads(threads);
    byte[] environ = request.environ();
    if (environ != null) {
      o = o.withEnvSecrets(EnvSecrets.fromEnviron(environ));
    }
    return o.withDropHeap(request.mode() == ScrubMode.DROP_HEAP);
  }

  /**
   * The raw core into {@code file} (0600), checked against dump-info's size and sha256 as it
   * streams: more bytes than recorded stop at once (a zip bomb), a wrong hash is a damaged dump.
   */
  private static void extractCore(ZipFile zip, ZipEntry entry, DumpInfo info, Path file)
      throws IOException {
    long limit = info.core().size();
    long total = 0;
    byte[] hash;
    // The hash runs beside the decompression, and the file's writes behind both.
    try (DigestBehind sha = new DigestBehind(sha256());
        InputStream raw = zip.getInputStream(entry);
        InputStream in =
            info.core().compression() == Compression.ZSTD ? new ZstdInputStream(raw) : raw;
        FileChannel ch = AtomicFiles.create(file, AtomicFiles.PRIVATE_FILE);
        OutputStream out = new WriteBehind(ch)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > limit) {
          throw new DamagedDumpException(
              "the core inflates past the " + limit + " bytes dump-info records");
        }
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
      }
      hash = sha.digest();
    }
    String got = HexFormat.of().formatHex(hash);
    if (total != limit || !got.equalsIgnoreCase(String.valueOf(info.core().sha256()))) {
      throw new DamagedDumpException(
          "the core does not match dump-info ("
              + total
              + " bytes, sha256 "
              + got
              + "; recorded "
              + limit
              + " bytes, "
              + info.core().sha256()
              + ")");
    }
  }

  /** Compresses the scrubbed core into the zip as it was stored; returns its new core info. */
  private DumpInfo.CoreInfo writeCore(
      ZipOutputStream zip, String entryName, Path coreFile, DumpInfo.CoreInfo was)
      throws IOException {
    Compression c = was.compression();
    zip.setLevel(c == Compression.DEFLATE ? Deflater.DEFAULT_COMPRESSION : 0);
    ZipEntry entry = new ZipEntry(entryName);
    zip.putNextEntry(entry);
    long size = 0;
    byte[] hash;
    OutputStream entryOut =
        new FilterOutputStream(zip) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            flush(); // ends the zstd frame, not the zip
          }
        };
    // The hash runs beside the compression.
    try (DigestBehind sha = new DigestBehind(sha256());
        InputStream in = Files.newInputStream(coreFile);
        OutputStream out = c == Compression.ZSTD ? zstd(entryOut) : entryOut) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
        size += n;
      }
      hash = sha.digest();
    }
    zip.closeEntry();
    return new DumpInfo.CoreInfo(
        entryName,
        c,
        size,
        entry.getCompressedSize(),
        HexFormat.of().formatHex(hash),
        was.expectedSize());
  }

  private OutputStream zstd(OutputStream out) throws IOException {
    ZstdOutputStream z = new ZstdOutputStream(out, level);
    z.setChecksum(true);
    return z;
  }

  private static byte[] readText(ZipFile zip, ZipEntry e) throws IOException {
    try (InputStream in = zip.getInputStream(e)) {
      byte[] b = in.readNBytes((int) MAX_TEXT_ENTRY + 1);
      if (b.length > MAX_TEXT_ENTRY) {
        throw new DamagedDumpException(
            "entry " + e.getName() + " is larger than " + MAX_TEXT_ENTRY + " bytes");
      }
      return b;
    }
  }

  private static void writeEntry(ZipOutputStream zip, String name, byte[] content)
      throws IOException {
    zip.setLevel(Deflater.DEFAULT_COMPRESSION);
    zip.putNextEntry(new ZipEntry(name));
    zip.write(content);
    zip.closeEntry();
  }

  /** The command line as dump-info carries it, scrubbed as the NUL-separated text it came from. */
  private static DumpInfo.ProcessInfo scrubProcess(
      Scrubber scrubber, DumpInfo.ProcessInfo p, Map<String, Long> counts) {
    List<String> cmdline = TextFields.scrubJoined(scrubber, p.cmdline(), counts);
    return new DumpInfo.ProcessInfo(
        p.exe(),
        p.exePath(),
        cmdline,
        p.pid(),
        p.hostPid(),
        p.tid(),
        p.hostTid(),
        p.uid(),
        p.gid(),
        p.signal(),
        p.containerId(),
        p.coreLimit(),
        p.pidfdVerified());
  }

  /**
   * The analysis's text (frames read from the core: function names, files, modules; the problem the
   * debugger reported) scrubbed like the core it came from. The signatures are hashes of the frames
   * and stay as they were, so that scrubbing never splits a group. The counts are added before the
   * report is written, so {@code info} reports them too.
   */
  private static DumpInfo withScrubbedAnalysis(
      Scrubber scrubber, Map<String, Long> counts, DumpInfo info) {
    CrashAnalysis a = info.analysis();
    if (a == null) {
      return info;
    }
    List<CrashAnalysis.Frame> frames = new ArrayList<>();
    for (CrashAnalysis.Frame f : a.frames()) {
      frames.add(
          new CrashAnalysis.Frame(
              f.kind(),
              java.util.Objects.requireNonNullElse(
                  TextFields.scrubOne(scrubber, f.function(), counts), ""),
              TextFields.scrubOne(scrubber, f.module(), counts),
              f.buildId(),
              f.offset(),
              TextFields.scrubOne(scrubber, f.file(), counts),
              f.line(),
              f.key(),
              f.inApp()));
    }
    return info.withAnalysis(
        new CrashAnalysis(
            a.runtime(),
            a.signature(),
            a.signature3(),
            TextFields.scrubOne(scrubber, a.topFrame(), counts),
            a.tool(),
            a.durationMs(),
            TextFields.scrubOne(scrubber, a.problem(), counts),
            frames),
        info.binaries());
  }

  /** Label and annotation values (last-applied-configuration holds a whole pod spec). */
  private static DumpInfo.@Nullable PodInfo scrubPod(
      Scrubber scrubber, DumpInfo.@Nullable PodInfo pod, Map<String, Long> counts) {
    if (pod == null) {
      return null;
    }
    return new DumpInfo.PodInfo(
        pod.namespace(),
        pod.name(),
        pod.uid(),
        pod.container(),
        pod.image(),
        pod.imageDigest(),
        pod.restartCount(),
        pod.node(),
        TextFields.scrubValues(scrubber, pod.labels(), counts),
        TextFields.scrubValues(scrubber, pod.annotations(), counts));
  }

  static void add(Map<String, Long> counts, ScrubReport r) {
    r.matches().forEach((k, v) -> counts.merge(k, v, Long::sum));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
