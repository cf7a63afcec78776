package dev.coroner.scrub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Blanks secrets in ELF cores and text without changing a single offset or length, so that lldb,
 * llnode and gdb still load the result: every match is overwritten in place by as many bytes of
 * {@code *} (or {@code *\0} units in UTF-16LE).
 *
 * <p>In a core it scans every writable PT_LOAD and every note payload (NT_PRPSINFO's arguments,
 * NT_FILE's paths, the registers), in one-byte (UTF-8, Latin-1) and UTF-16LE text; read-only and
 * executable segments (code) and the ELF, program and note headers are never written. Segments are
 * independent memory, so a match never spans two of them; within one, matches may cross the 1 MiB
 * read windows.
 *
 * <p>{@link ScrubOptions#dropHeap()} also zeroes each writable anonymous segment (not backed by a
 * file in NT_FILE) except the ones the debuggers start from: the threads' stacks and thread
 * pointers, and the loader's list of libraries ({@link HeapDrop}). Native backtraces survive (gdb:
 * code, stacks, the data of files, the shared library list), but everything that lives on the heap
 * is gone: llnode's JavaScript frame names, {@code v8 source list}, {@code v8 findjsobjects} and
 * {@code v8 inspect}; jhsdb's Java heap and the names of Java frames; gdb's view of heap objects.
 * Use it for native programs only.
 *
 * <p>A scrub that stops part-way (an I/O error, a corrupt core) reports {@link
 * ScrubReport.Status#FAILED} and leaves the file partly scrubbed: scrub a private copy or a {@code
 * .partial} file and pass it on only when the report is complete. One scrubber may be used by many
 * threads at once.
 */
public final class Scrubber {
  /**
   * Bytes before a window's first start position that the rules may look at: a PEM body is blanked
   * back from its END line.
   */
  static final int BEHIND = 2 * Pem.MAX_PEM + 64;

  private final ScrubOptions options;
  // Built at the first scan (about 25 ms in a cold JVM): a stream that declines its core needs
  // none.
  private volatile @Nullable Candidates candidates;
  private final int lookahead;

  private Scrubber(ScrubOptions options) {
    this.options = options;
    int longestEnv = 0;
    for (EnvSecrets.Form f : options.envSecrets().forms()) {
      longestEnv = Math.max(longestEnv, f.bytes().length);
    }
    // A known value is compared within the look-ahead only.
    // The longest match of a built-in rule is a UTF-16LE PEM block.
    this.lookahead = Math.max(2 * Pem.MAX_PEM + 64, longestEnv);
  }

  /** A scrubber for {@code options}. */
  public static Scrubber of(ScrubOptions options) {
    return new Scrubber(options);
  }

  /** The options it scrubs with. */
  public ScrubOptions options() {
    return options;
  }

  /**
   * Scrubs the ELF core at {@code core} in place. Never throws for a bad file: a file that is not a
   * core, a corrupt one or an I/O error gives a failed report.
   */
  public ScrubReport scrubCore(Path core) {
    return new CoreJob(this, core, true).run();
  }

  /**
   * As {@link #scrubCore}, for a scratch copy whose result is written elsewhere (and synced there):
   * the file is not synced, which for a 1 GiB core saves writing it all to disk.
   */
  public ScrubReport scrubScratchCore(Path core) {
    return new CoreJob(this, core, false).run();
  }

  /**
   * A stream that scrubs the ELF core written into it as {@link #scrubCore} would, and passes the
   * result on to {@code out}, holding back about a MiB: see {@link CoreStream}. A core whose
   * headers announce fewer than {@code minSize} bytes, or that cannot be scrubbed in order, passes
   * on unchanged with a failed report, for the caller to scrub as a file.
   */
  public CoreStream coreStream(OutputStream out, long minSize) {
    return new CoreStream(this, out, minSize);
  }

  /**
   * Scrubs {@code data} in place, as text or any bytes (the zip's {@code proc/} files, {@code
   * container.log}).
   */
  public ScrubReport scrubText(byte[] data) {
    long start = System.nanoTime();
    BufferScanner sc = newScanner();
    byte[] b = new byte[data.length + Candidates.PAD];
    System.arraycopy(data, 0, b, 0, data.length);
    sc.scan(b, 0, data.length, data.length);
    System.arraycopy(b, 0, data, 0, data.length);
    return report(List.of(sc), data.length, System.nanoTime() - start);
  }

  /**
   * Copies {@code in} to {@code out}, scrubbed like {@link #scrubText}; matches may cross the
   * reads. An I/O error is thrown: then what was written is incomplete.
   */
  public ScrubReport scrubStream(InputStream in, OutputStream out) throws IOException {
    long start = System.nanoTime();
    BufferScanner sc = newScanner();
    int chunk = CoreJob.CHUNK;
    byte[] b = new byte[BEHIND + chunk + lookahead + Candidates.PAD];
    int capacity = b.length - Candidates.PAD;
    // b[0, scanned): scanned, not yet written, since a later match may still blank back into it;
    // b[scanned, have): read, not yet scanned.
    int have = 0;
    int scanned = 0;
    long total = 0;
    boolean eof = false;
    while (true) {
      while (!eof && have < capacity) {
        int n = in.read(b, have, capacity - have);
        if (n < 0) {
          eof = true;
        } else {
          have += n;
          total += n;
        }
      }
      int to = eof ? have : scanned + chunk;
      sc.scan(b, scanned, to, have);
      if (eof) {
        out.write(b, 0, have);
        break;
      }
      int emit = to - Math.min(BEHIND, to);
      out.write(b, 0, emit);
      System.arraycopy(b, emit, b, 0, have - emit);
      have -= emit;
      scanned = to - emit;
    }
    return report(List.of(sc), total, System.nanoTime() - start);
  }

  BufferScanner newScanner() {
    List<CustomRule> custom = options.custom();
    return new BufferScanner(candidates(), custom.isEmpty() ? null : new CustomScanner(custom));
  }

  private Candidates candidates() {
    Candidates c = candidates;
    if (c == null) {
      synchronized (this) {
        c = candidates;
        if (c == null) {
          c = Candidates.of(options.rules(), options.envSecrets());
          candidates = c;
        }
      }
    }
    return c;
  }

  int lookahead() {
    return lookahead;
  }

  /** The counts of {@code scanners}, as rule id to count. */
  Map<String, Long> matches(List<BufferScanner> scanners) {
    Map<String, Long> m = new HashMap<>();
    Rule[] rules = Rule.values();
    for (BufferScanner sc : scanners) {
      for (int i = 0; i < sc.counts.length; i++) {
        if (sc.counts[i] > 0) {
          m.merge(rules[i].id(), sc.counts[i], Long::sum);
        }
      }
      long[] custom = sc.customCounts();
      for (int i = 0; i < custom.length; i++) {
        if (custom[i] > 0) {
          m.merge(options.custom().get(i).id(), custom[i], Long::sum);
        }
      }
    }
    return m;
  }

  private ScrubReport report(List<BufferScanner> scanners, long bytes, long nanos) {
    return new ScrubReport(
        ScrubReport.Status.COMPLETE, matches(scanners), bytes, 0, 0, 0, nanos, List.of(), null);
  }
}
