package dev.coroner.capture.write;

import com.github.luben.zstd.ZstdOutputStream;
import dev.coroner.base.files.AtomicFiles;
import dev.coroner.base.files.WriteBehind;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.DumpInfo.Integrity;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.seal.StreamSeal;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * Writes one dump: {@code NAME.zip.partial} (0600) with the /proc files, the streamed core and
 * dump-info.json last (with a seal, the /proc files after the core), then fsync and an atomic
 * rename to {@code NAME.zip} ({@link AtomicFiles}). A crash of the composer at any point leaves
 * only a {@code .partial}, never a zip that looks complete.
 */
public final class DumpWriter {
  /** Builds dump-info once the core's fate is known. */
  public interface InfoFactory {
    /** Dump-info for the core as written, its integrity and the entries of the zip. */
    DumpInfo build(DumpInfo.CoreInfo core, Integrity integrity, List<String> files);
  }

  /**
   * A finished dump.
   *
   * @param owner the uid that may read it through an ACL ({@link OwnerAcl#ownerOf}), or -1: none
   */
  public record Written(Path file, DumpInfo info, long owner) {}

  /** The dump directory or the dump file could not be written at all. */
  public static final class NotWrittenException extends Exception {
    private static final long serialVersionUID = 1L;

    NotWrittenException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final CaptureSettings settings;
  private final String name;
  private final Map<String, byte[]> procFiles;
  private final CaptureLog log;
  private final @Nullable StreamSeal seal;

  public DumpWriter(
      CaptureSettings settings, String name, Map<String, byte[]> procFiles, CaptureLog log) {
    this(settings, name, procFiles, log, null);
  }

  /**
   * A writer that also seals the dump as it writes it, when {@code seal} is not null: the core
   * scrubbed as it streams and, when it came out wholly scrubbed, the text entries (written after
   * it) and dump-info too ({@link StreamSeal}); else the dump is written raw, for the scrub after
   * the release.
   */
  public DumpWriter(
      CaptureSettings settings,
      String name,
      Map<String, byte[]> procFiles,
      CaptureLog log,
      @Nullable StreamSeal seal) {
    this.settings = settings;
    this.name = name;
    this.procFiles = procFiles;
    this.log = log;
    this.seal = seal;
  }

  /**
   * Streams the core from {@code stdin} into the dump; closes {@code stdin} as soon as it is read,
   * then runs {@code readDone} (the watchdog must not interrupt what follows).
   */
  // "try": the flusher resource is never named; it only fsyncs in the background during the copy.
  @SuppressWarnings("try")
  public Written write(
      ReadableByteChannel stdin,
      Supplier<MessageDigest> sha256,
      Runnable readDone,
      InfoFactory infoFactory)
      throws NotWrittenException {
    Path dir = settings.dumpDir();
    Path target = dir.resolve(name + ".zip");
    Path partial = AtomicFiles.partialOf(target);
    FileChannel file;
    try {
      prepareDirectory(dir);
      file = AtomicFiles.create(partial, AtomicFiles.PRIVATE_FILE);
    } catch (IOException | RuntimeException e) {
      closeQuietly(stdin);
      throw new NotWrittenException("cannot create " + partial + ": " + e, e);
    }
    String coreEntry = settings.compression().entryName(name);
    CoreCopier.Result copy = null;
    long usedAtStart = settings.maxUse() > 0 ? usage(dir, partial) : 0;
    // Nothing interrupts the threads that write the file (the watchdog interrupts only the read
    // of the pipe), so the interruptible channel is not closed under the dump.
    // The file's writes run behind the compression, on a thread of their own (WriteBehind).
    try (file;
        CountingOutputStream counted = new CountingOutputStream(new WriteBehind(file));
        ZipOutputStream zip = new DumpZipOutputStream(counted)) {
      // With a seal, the text entries follow the core: only then is it known whether they are
      // scrubbed here, and they are written after the release.
      List<String> files = seal == null ? writeProcFiles(zip, false) : new ArrayList<>();
      zip.setLevel(settings.compression() == Compression.DEFLATE ? settings.level() : 0);
      ZipEntry entry = new ZipEntry(coreEntry);
      zip.putNextEntry(entry);
      try (OutputStream core = coreStream(zip);
          Flusher flusher = Flusher.start(file)) {
        long readStart = System.nanoTime();
        long[] readEnd = {0};
        copy =
            CoreCopier.copy(
                stdin,
                core,
                limits(dir, usedAtStart, counted),
                sha256.get(),
                transform(),
                () -> {
                  readEnd[0] = System.nanoTime();
                  readDone.run();
                  // A watchdog interrupt that came during the read must not close the channels
                  // used to finish the dump.
                  Thread.interrupted();
                  // Release the dying process now: the kernel waits until we close the pipe.
                  // The hash and the writer finish what they still hold after this.
                  closeQuietly(stdin);
                });
        long readMs = (readEnd[0] - readStart) / 1_000_000;
        log.info(
            "core read in "
                + readMs
                + " ms ("
                + copy.size() / 1_000_000 * 1000 / Math.max(1, readMs)
                + " MB/s"
                + (copy.readAhead() > 0
                    ? ", " + (copy.readAhead() >> 20) + " MiB of it read ahead"
                    : "")
                + "); the process is released; hashed and written "
                + (System.nanoTime() - readEnd[0]) / 1_000_000
                + " ms after");
        log.flush();
        if (copy.writeFailed()) {
          throw new IOException(
              Objects.requireNonNull(copy.stop(), "a failed write has a stop").reason());
        }
      }
      zip.closeEntry();
      files.add(coreEntry);
      if (seal != null) {
        files.addAll(writeProcFiles(zip, seal.coreScrubbed()));
      }
      var coreInfo =
          new DumpInfo.CoreInfo(
              coreEntry,
              settings.compression(),
              copy.size(),
              entry.getCompressedSize(),
              copy.sha256(),
              copy.header().expectedSize());
      DumpInfo info = infoFactory.build(coreInfo, integrity(copy), files);
      info = sealed(info);
      writeEntry(zip, DumpInfo.ENTRY, info.toJson().getBytes(StandardCharsets.UTF_8));
      zip.finish();
      counted.flush();
      file.force(true);
      Path published = AtomicFiles.publish(partial, target);
      long owner = owner(info);
      grant(published, owner);
      return new Written(published, info, owner);
    } catch (IOException | RuntimeException e) {
      closeQuietly(stdin);
      deleteQuietly(partial);
      log.info("writing the core failed (" + e.getMessage() + "); keeping the metadata only");
      Integrity why =
          copy != null && copy.writeFailed()
              ? Objects.requireNonNull(copy.stop(), "a failed write has a stop")
              : Integrity.truncated(IntegrityCause.WRITE_ERROR, e.getMessage());
      return writeMetadataOnly(copy, why, infoFactory);
    }
  }

  private CoreCopier.@Nullable Transform transform() {
    StreamSeal s = seal;
    if (s == null) {
      return null;
    }
    return new CoreCopier.Transform() {
      @Override
      public OutputStream open(OutputStream sink) {
        return s.core(sink);
      }

      @Override
      public boolean passing() {
        return s.corePassing();
      }
    };
  }

  /** Dump-info sealed, when the seal scrubbed the whole core while it streamed; else as it is. */
  private DumpInfo sealed(DumpInfo info) {
    StreamSeal s = seal;
    if (s == null) {
      return info;
    }
    if (s.coreScrubbed()) {
      log.info("scrubbed while streaming (" + s.coreOutcome() + ")");
      return s.seal(info);
    }
    log.info("the core is scrubbed after the release: " + s.coreOutcome());
    return info;
  }

  /**
   * Keeps the metadata and the extra files but not the core (flood control): the process is
   * released at once ({@code stdin} is closed unread; null when there is none, as after a socket's
   * reject), and the dump is marked truncated with {@code why}.
   */
  public Written writeWithoutCore(
      @Nullable ReadableByteChannel stdin, Integrity why, InfoFactory infoFactory)
      throws NotWrittenException {
    closeQuietly(stdin);
    try {
      prepareDirectory(settings.dumpDir());
    } catch (IOException | RuntimeException e) {
      throw new NotWrittenException("cannot create " + settings.dumpDir() + ": " + e, e);
    }
    return writeMetadataOnly(null, why, infoFactory);
  }

  /**
   * After a failed core write (usually a full disk), keeps what we know about the crash: a small
   * zip without the core, marked truncated.
   */
  private Written writeMetadataOnly(
      CoreCopier.@Nullable Result copy, Integrity why, InfoFactory factory)
      throws NotWrittenException {
    Path target = settings.dumpDir().resolve(name + ".zip");
    Path partial = AtomicFiles.partialOf(target);
    var coreInfo =
        new DumpInfo.CoreInfo(
            null,
            settings.compression(),
            copy == null ? 0 : copy.size(),
            0,
            copy == null ? null : copy.sha256(),
            copy == null ? null : copy.header().expectedSize());
    try {
      DumpInfo[] info = new DumpInfo[1];
      AtomicFiles.write(
          target,
          AtomicFiles.PRIVATE_FILE,
          out -> {
            try (ZipOutputStream zip = new DumpZipOutputStream(new BufferedOutputStream(out))) {
              List<String> files = writeProcFiles(zip, false);
              info[0] = factory.build(coreInfo, why, files);
              writeEntry(zip, DumpInfo.ENTRY, info[0].toJson().getBytes(StandardCharsets.UTF_8));
            }
          });
      long owner = owner(info[0]);
      grant(target, owner);
      return new Written(target, info[0], owner);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(partial);
      throw new NotWrittenException("cannot write even the metadata to " + partial + ": " + e, e);
    }
  }

  /**
   * Creates the dump directory (0700), or narrows an existing one that others may enter: cores hold
   * secrets. A shared sticky directory (/tmp) is never narrowed: that would lock others out.
   */
  private void prepareDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
      return;
    }
    var mode = Files.getPosixFilePermissions(dir);
    if (mode.equals(AtomicFiles.PRIVATE_DIR)) {
      return;
    }
    if (mode.stream()
            .noneMatch(p -> p.name().startsWith("OTHERS") || p == PosixFilePermission.GROUP_WRITE)
        && OwnerAcl.privateWithAcl(dir)) {
      return; // the group bits are the owners' ACL mask: chmod would take their access away
    }
    if (AtomicFiles.isSticky(dir)) {
      log.info(
          "warning: the dump directory "
              + dir
              + " is a shared sticky directory ("
              + PosixFilePermissions.toString(mode)
              + "); dumps should sit in a 0700 directory of their own");
      return;
    }
    AtomicFiles.ensurePrivateDirectory(dir);
    log.info(
        "narrowed the dump directory "
            + dir
            + " from "
            + PosixFilePermissions.toString(mode)
            + " to rwx------ (dumps hold secrets)");
  }

  // Who may read the dump through an ACL, as OwnerAcl.ownerOf decides.
  private long owner(DumpInfo info) {
    return OwnerAcl.ownerOf(info.process().uid(), procFiles.get("proc/status"));
  }

  // Not while it is staged (a hidden directory, as the one-host scrub's): the raw dump is no one's
  // to read; the scrubbed one gets the ACL once published.
  private void grant(Path dump, long owner) {
    Path dir = settings.dumpDir().getFileName();
    if (dir == null || !dir.toString().startsWith(".")) {
      OwnerAcl.grant(dump, owner, log);
    }
  }

  /** The /proc files and the container's log; scrubbed by the seal when {@code sealed}. */
  private List<String> writeProcFiles(ZipOutputStream zip, boolean sealed) throws IOException {
    zip.setLevel(Deflater.DEFAULT_COMPRESSION);
    List<String> files = new ArrayList<>();
    StreamSeal s = seal;
    for (var e : procFiles.entrySet()) {
      writeEntry(zip, e.getKey(), sealed && s != null ? s.text(e.getValue()) : e.getValue());
      files.add(e.getKey());
    }
    return files;
  }

  private static void writeEntry(ZipOutputStream zip, String entryName, byte[] content)
      throws IOException {
    zip.setLevel(Deflater.DEFAULT_COMPRESSION);
    zip.putNextEntry(new ZipEntry(entryName));
    zip.write(content);
    zip.closeEntry();
  }

  /** The stream the raw core goes into; closing it ends the zstd frame, not the zip. */
  private OutputStream coreStream(ZipOutputStream zip) throws IOException {
    OutputStream entry =
        new FilterOutputStream(zip) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            flush();
          }
        };
    if (settings.compression() != Compression.ZSTD) {
      return entry;
    }
    ZstdOutputStream zstd = new ZstdOutputStream(entry, settings.level());
    zstd.setChecksum(true);
    if (settings.workers() > 0) {
      zstd.setWorkers(settings.workers());
    }
    return zstd;
  }

  /**
   * Stops storing at the free-space floor ({@code limit.keep-free}) or when the dump directory
   * would hold more than {@code limit.max-use}: the dump then keeps its metadata and what was
   * stored so far, marked truncated with the reason.
   */
  private CoreCopier.Limits limits(Path dir, long usedAtStart, CountingOutputStream written) {
    return new CoreCopier.Limits(
        settings.maxCoreSize(),
        margin -> {
          long free = dir.toFile().getUsableSpace();
          if (free - margin < settings.keepFree()) {
            return Integrity.truncated(
                IntegrityCause.KEEP_FREE,
                "only "
                    + free
                    + " bytes free in the dump directory; limit.keep-free="
                    + settings.keepFree());
          }
          long used = usedAtStart + written.count();
          if (settings.maxUse() > 0 && used + margin > settings.maxUse()) {
            return Integrity.truncated(
                IntegrityCause.MAX_USE,
                "the dump directory holds " + used + " bytes; limit.max-use=" + settings.maxUse());
          }
          return null;
        });
  }

  /** Bytes held by the dump directory's files (other captures' partials included). */
  private static long usage(Path dir, Path except) {
    long total = 0;
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> !p.equals(except)).toList()) {
        try {
          total += Files.size(f);
        } catch (IOException e) {
          // deleted meanwhile (uploaded by the agent)
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return total;
  }

  private static Integrity integrity(CoreCopier.Result copy) {
    if (copy.stop() != null) {
      return copy.stop();
    }
    var header = copy.header();
    if (!header.elf()) {
      return copy.size() == 0
          ? Integrity.truncated(IntegrityCause.EMPTY, "no core data received")
          : Integrity.truncated(IntegrityCause.NOT_ELF, header.problem());
    }
    if (header.problem() != null) {
      return Integrity.truncated(IntegrityCause.BAD_HEADER, header.problem());
    }
    if (header.expectedSize() != null && copy.size() < header.expectedSize()) {
      return Integrity.truncated(
          IntegrityCause.SHORT,
          "received "
              + copy.size()
              + " of the "
              + header.expectedSize()
              + " bytes the ELF headers announce");
    }
    return Integrity.complete();
  }

  private static void closeQuietly(@Nullable ReadableByteChannel c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do: the kernel sees the pipe closed either way once we exit
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a leftover .partial is never taken for a dump
    }
  }
}
