package dev.coroner.dump;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the automatic analysis found in a dump's core (dump-info's {@code analysis}): the crashing
 * thread's frames, the runtime, and the signature that groups crashes of one bug. Written by the
 * node agent before upload, or by the CLI on one host; never by the composer, which must not spend
 * the dying process's time on it. docs/analysis.md says how it is made.
 *
 * <p>Every field but the frames may be null as read: dump-info is read back from zips and stores
 * that any coroner version wrote, and a listing carries only a part.
 *
 * @param runtime {@code node}, {@code java} or {@code native}; null when the source did not say
 * @param signature 16 hex digits over the top five in-app frames; null when no frame was named
 * @param signature3 the same over three: the coarse group
 * @param topFrame the first frame the signature used, readable: {@code bar (index.js:11)}
 * @param tool the debuggers that read the core; null in a listing
 * @param durationMs how long the analysis took
 * @param problem what went wrong or was missing; null when nothing did
 * @param frames the crashing thread's frames, innermost first (empty where only the listing's part
 *     is known: object metadata carries the signature and the top frame, not the frames)
 */
public record CrashAnalysis(
    @Nullable String runtime,
    @Nullable String signature,
    @Nullable String signature3,
    @Nullable String topFrame,
    @Nullable String tool,
    long durationMs,
    @Nullable String problem,
    List<Frame> frames) {

  public CrashAnalysis {
    // Jackson passes null for frames the JSON lacks: none.
    frames = frames == null ? List.of() : List.copyOf(frames);
  }

  /**
   * One frame, as the analysis showed it.
   *
   * @param kind {@code native}, {@code js}, {@code java} or {@code marker}; null when the JSON
   *     lacks it
   * @param function the function (never argument values); empty when unknown
   * @param module the ELF module's file name (native frames), else null
   * @param buildId the module's GNU build-id in hex, or null
   * @param offset the pc's offset in the module ({@code 0x1194}), or null
   * @param file the source file or script, or null
   * @param line the source line, 0 when unknown
   * @param key what the signature hashed; null for a frame it skipped
   * @param inApp whether the frame is the application's own code
   */
  public record Frame(
      @Nullable String kind,
      String function,
      @Nullable String module,
      @Nullable String buildId,
      @Nullable String offset,
      @Nullable String file,
      int line,
      @Nullable String key,
      boolean inApp) {

    public Frame {
      // Jackson passes null for a function the JSON lacks: unknown, as the writer writes it.
      function = function == null ? "" : function;
    }

    /** The JSON shape: snake_case, unknown fields left out. */
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("function", function);
      putIfSet(m, "module", module);
      putIfSet(m, "build_id", buildId);
      putIfSet(m, "offset", offset);
      putIfSet(m, "file", file);
      if (line > 0) {
        m.put("line", line);
      }
      putIfSet(m, "key", key);
      m.put("in_app", inApp);
      return m;
    }
  }

  /** Only what a listing carries: signatures and the top frame, no frames. */
  public static CrashAnalysis listed(
      @Nullable String runtime,
      @Nullable String signature,
      @Nullable String signature3,
      @Nullable String top) {
    return new CrashAnalysis(runtime, signature, signature3, top, null, 0, null, List.of());
  }

  void write(JsonWriter w) {
    w.object("analysis")
        .field("runtime", runtime)
        .field("signature", signature)
        .field("signature3", signature3)
        .field("top_frame", topFrame)
        .field("tool", tool)
        .field("duration_ms", durationMs)
        .field("problem", problem)
        .objects("frames", frames.stream().map(Frame::toMap).toList())
        .end();
  }

  private static void putIfSet(Map<String, Object> m, String key, @Nullable String value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
