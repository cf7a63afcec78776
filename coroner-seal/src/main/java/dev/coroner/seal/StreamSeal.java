package dev.coroner.seal;

import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.scrub.CoreStream;
import dev.coroner.scrub.EnvSecrets;
import dev.coroner.scrub.ScrubOptions;
import dev.coroner.scrub.ScrubReport;
import dev.coroner.scrub.Scrubber;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The seal done while a dump is being written, so that a large core never has to be written out raw
 * and scrubbed afterwards (on this kind of machine that costs more than the capture:
 * docs/scrub.md): the core is scrubbed as it streams ({@link CoreStream}), the text entries as they
 * go into the zip after it, and dump-info gets the same scrubbed fields and {@code scrub} report as
 * {@link DumpScrubber} gives it. Whether it worked is known only once the core is in, which is why
 * the text entries follow it: when the core could not be scrubbed in order ({@link #coreScrubbed()}
 * false), the dump is an ordinary unsealed one, entries raw, and {@link DumpScrubber} seals it
 * after the release as usual. The rules' tables are built only for a core whose headers announce
 * {@code minCore} bytes or more, so a small crash pays nothing for them before its release. One per
 * dump, one writer.
 */
public final class StreamSeal {
  /**
   * Cores whose headers announce fewer bytes are left to the scrub after the release: it is cheap
   * for them, and scanning in the capture's pipeline would add to the crashing process's stall.
   */
  public static final long STREAM_FROM = 256L << 20;

  private final Scrubber scrubber;
  private final ScrubMode mode;
  private final long minCore;
  private final long started = System.nanoTime();
  private final Map<String, Long> textMatches = new TreeMap<>();
  private @Nullable CoreStream core;

  private StreamSeal(Scrubber scrubber, ScrubMode mode, long minCore) {
    this.scrubber = scrubber;
    this.mode = mode;
    this.minCore = minCore;
  }

  /**
   * A seal for {@code mode}, or null when that mode cannot be applied while streaming ({@code off},
   * or the heap drop, which reads the core out of order).
   *
   * @param environ the crashed process's environment, as for {@link DumpScrubber.Request}; its
   *     secret-looking values are copied, and the caller clears it
   * @param minCore cores announcing fewer bytes are not scrubbed while streaming ({@link
   *     #STREAM_FROM})
   */
  public static @Nullable StreamSeal open(ScrubMode mode, byte @Nullable [] environ, long minCore) {
    if (mode != ScrubMode.DEFAULT) {
      return null;
    }
    ScrubOptions o = ScrubOptions.defaults();
    if (environ != null) {
      o = o.withEnvSecrets(EnvSecrets.fromEnviron(environ));
    }
    return new StreamSeal(Scrubber.of(o), mode, minCore);
  }

  /**
   * A scrubbed copy of a text entry, its matches counted for the report.
   *
   * @throws IllegalStateException if the core was not wholly scrubbed: then nothing is sealed here
   */
  public byte[] text(byte[] content) {
    if (!coreScrubbed()) {
      throw new IllegalStateException("the core was not scrubbed while streaming");
    }
    byte[] copy = content.clone();
    scrubber.scrubText(copy).matches().forEach((k, v) -> textMatches.merge(k, v, Long::sum));
    return copy;
  }

  /** The stream the raw core is written into; what it passes to {@code sink} is scrubbed. */
  public OutputStream core(OutputStream sink) {
    CoreStream s = scrubber.coreStream(sink, minCore);
    core = s;
    return s;
  }

  /**
   * Whether the core stream has declined the core and now passes it on unchanged, holding nothing
   * back: the rest need not go through it.
   */
  public boolean corePassing() {
    CoreStream s = core;
    return s != null && s.passingThrough();
  }

  /** Whether the core went through {@link #core} and came out wholly scrubbed. */
  public boolean coreScrubbed() {
    CoreStream s = core;
    return s != null && s.report().complete();
  }

  /** The core's report, or null when no core was streamed. */
  public @Nullable ScrubReport coreReport() {
    CoreStream s = core;
    return s == null ? null : s.report();
  }

  /**
   * What became of the core, for the log: its report's summary once scrubbed, else why it is left
   * to the scrub after the release.
   */
  public String coreOutcome() {
    ScrubReport r = coreReport();
    if (r == null) {
      return "no core was streamed";
    }
    String why = r.failure();
    return r.complete() || why == null ? r.summary() : why;
  }

  /**
   * Dump-info for the sealed dump: {@code info} as written (its core entry the scrubbed core, with
   * that core's sha256), its text scrubbed, with the complete report.
   *
   * @throws IllegalStateException if the core was not wholly scrubbed
   */
  public DumpInfo seal(DumpInfo info) {
    if (!coreScrubbed()) {
      throw new IllegalStateException("the core was not scrubbed while streaming");
    }
    Map<String, Long> counts = new TreeMap<>(textMatches);
    Objects.requireNonNull(core, "a scrubbed core")
        .report()
        .matches()
        .forEach((k, v) -> counts.merge(k, v, Long::sum));
    return DumpScrubber.sealedInfo(
        scrubber, info, counts, info.core(), info.integrity(), info.files(), mode, true, started);
  }
}
