package dev.coroner.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the output of {@code eu-stack -b -m -i -s --core=CORE -e EXE}:
 *
 * <pre>
 * TID 8856:
 * #0  0x000055fe20d19194 crash_write - segv
 *     [d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f]@0x55fe20d18000+0x1194
 *     /tmp/segv.c:10:9
 * #11 0x00007f6a549455ba
 * </pre>
 *
 * A frame line is {@code #N 0xPC [SYMBOL] - MODULE}, or the bare pc for code outside any module
 * (JIT code). The build-id line's offset is pc-1 for every frame but the first, as libdwfl looks
 * the caller up inside its call instruction.
 */
final class EuStackParser {
  private static final Pattern TID = Pattern.compile("^TID (\\d+):$");
  private static final Pattern FRAME = Pattern.compile("^#(\\d+)\\s+0x([0-9a-f]+)(?:\\s+(.*))?$");
  private static final Pattern BUILD_ID =
      Pattern.compile("^\\s+\\[([0-9a-f]*)\\]@0x[0-9a-f]+\\+(0x[0-9a-f]+)$");
  private static final Pattern SOURCE = Pattern.compile("^\\s+(\\S.*?):(\\d+)(?::\\d+)?$");

  private EuStackParser() {}

  static List<ThreadStack> parse(String output, int maxFrames) {
    List<ThreadStack> stacks = new ArrayList<>();
    int tid = -1;
    List<Frame> frames = new ArrayList<>();
    Frame pending = null;
    for (String line : output.split("\n", -1)) {
      Matcher m;
      if ((m = TID.matcher(line)).matches()) {
        addFrame(frames, pending, maxFrames);
        pending = null;
        if (tid >= 0) {
          stacks.add(new ThreadStack(tid, frames));
        }
        tid = Integer.parseInt(m.group(1));
        frames = new ArrayList<>();
      } else if (tid < 0) {
        // skipped: "PID n - core" and anything before the first thread
      } else if ((m = FRAME.matcher(line)).matches()) {
        addFrame(frames, pending, maxFrames);
        pending = frame(m.group(3));
      } else if (pending != null && (m = BUILD_ID.matcher(line)).matches()) {
        String id = m.group(1).isEmpty() ? null : m.group(1);
        pending = with(pending, id, m.group(2), pending.file(), pending.line());
      } else if (pending != null && (m = SOURCE.matcher(line)).matches()) {
        pending =
            with(pending, pending.buildId(), pending.offset(), m.group(1), parseLine(m.group(2)));
      }
    }
    addFrame(frames, pending, maxFrames);
    if (tid >= 0) {
      stacks.add(new ThreadStack(tid, frames));
    }
    return stacks;
  }

  /** {@code SYMBOL - MODULE}, {@code - MODULE} (no symbol) or nothing (no module). */
  private static Frame frame(@Nullable String rest) {
    if (rest == null || rest.isBlank()) {
      return Frame.nativeFrame("", null, null, null, null, 0);
    }
    String symbol;
    String module;
    if (rest.startsWith("- ")) {
      symbol = "";
      module = rest.substring(2);
    } else {
      // The module's name never holds " - "; a demangled C++ name could, so split at the last.
      int dash = rest.lastIndexOf(" - ");
      symbol = dash < 0 ? rest : rest.substring(0, dash);
      module = dash < 0 ? null : rest.substring(dash + 3);
    }
    // Without -e, eu-stack names the main executable by its path.
    return Frame.nativeFrame(
        symbol.strip(), module == null ? null : Text.basename(module), null, null, null, 0);
  }

  private static Frame with(
      Frame f, @Nullable String buildId, @Nullable String offset, @Nullable String file, int line) {
    return Frame.nativeFrame(f.function(), f.module(), buildId, offset, file, line);
  }

  private static void addFrame(List<Frame> frames, @Nullable Frame f, int max) {
    if (f != null && frames.size() < max) {
      frames.add(f);
    }
  }

  private static int parseLine(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
