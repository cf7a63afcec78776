package dev.coroner.dump;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the automatic analysis found in a dump's core (dump-info's {@code analysis}): the crashing
 * thread's frames, the runtime, and the signature that groups crashes of one bug. Written by the
 * node agent before upload, or by the CLI on one host; never by the composer, which must not spend
 * the dying process's time on it. docs/analysis.md says how it is made.
 *
 * @param runtime {@code node}, {@code java} or {@code native}
 * @param signature 16 hex digits over the top five in-app frames; null when no frame was named
 * @param signature3 the same over three: the coarse group
 * @param topFrame the first frame the signature used, readable: {@code bar (index.js:11)}
 * @param tool the debuggers that read the core
 * @param durationMs how long the analysis took
 * @param problem what went wrong or was missing; null when nothing did
 * @param frames the crashing thread's frames, innermost first (empty where only the listing's part
 *     is known: object metadata carries the signature and the top frame, not the frames)
 */
public record CrashAnalysis(
    String runtime,
    String signature,
    String signature3,
    String topFrame,
    String tool,
    long durationMs,
    String problem,
    List<Frame> frames) {

  public CrashAnalysis {
    frames = frames == null ? List.of() : List.copyOf(frames);
  }

  /**
   * One frame, as the analysis showed it.
   *
   * @param kind {@code native}, {@code js}, {@code java} or {@code marker}
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
      String kind,
      String function,
      String module,
      String buildId,
      String offset,
      String file,
      int line,
      String key,
      boolean inApp) {

    /** The JSON shape: snake_case, unknown fields left out. */
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("function", function == null ? "" : function);
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
      String runtime, String signature, String signature3, String top) {
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

  private static void putIfSet(Map<String, Object> m, String key, String value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
