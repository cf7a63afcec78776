package dev.coroner.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The automatic analysis of one core: the crashing thread's frames and its signature. The lead
 * field of dump-info's {@code analysis}; plain strings and lists, see {@link #toMap()}.
 *
 * @param runtime {@code node}, {@code java} or {@code native}
 * @param frames the crashing thread's frames, innermost first (at most {@value
 *     Analyzer#MAX_FRAMES})
 * @param topFrame the first frame the signature used, readable: {@code bar (index.js:11)}
 * @param signature 16 hex digits over the top five in-app frames; null when there were no frames
 * @param signature3 16 hex digits over the top three: the coarse group
 * @param tool the debuggers that read the core: {@code eu-stack}, {@code lldb+llnode}, {@code
 *     eu-stack+jhsdb}
 * @param durationMs how long the analysis took
 * @param problem what went wrong or is missing, for a person to read; null when nothing did
 */
public record Analysis(
    String runtime,
    List<Frame> frames,
    @Nullable String topFrame,
    @Nullable String signature,
    @Nullable String signature3,
    String tool,
    long durationMs,
    @Nullable String problem) {
  public Analysis {
    frames = List.copyOf(frames);
  }

  /** No frames at all: the analysis failed for {@code problem}. */
  static Analysis failed(String runtime, String tool, long durationMs, @Nullable String problem) {
    return new Analysis(runtime, List.of(), null, null, null, tool, durationMs, problem);
  }

  /** The JSON shape: snake_case keys, null fields left out, frames as objects. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runtime", runtime);
    put(m, "signature", signature);
    put(m, "signature3", signature3);
    put(m, "top_frame", topFrame);
    m.put("tool", tool);
    m.put("duration_ms", durationMs);
    put(m, "problem", problem);
    m.put("frames", frames.stream().map(Frame::toMap).toList());
    return m;
  }

  /** {@link #toMap()} as compact JSON. */
  public String toJson() {
    return Json.write(toMap());
  }

  private static void put(Map<String, Object> m, String key, @Nullable Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
