package dev.coroner.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads llnode's {@code v8 bt} in lldb's batch output: the selected thread (the one that took the
 * signal) and its frames.
 *
 * <pre>
 *  * thread #1: tid = 8418, 0x... node`v8::base::OS::Abort() + 18, name = 'node', stop reason = ...
 *   * frame #0: 0x0000000002155a72 node`v8::base::OS::Abort() + 18
 *     frame #4: 0x000000000195e476 &lt;exit&gt;
 *     frame #6: 0x00000000018cfd1c bar(this=0x...:&lt;Global proxy&gt;, ...) at /app/index.js:11:13 fn=0x...
 *     frame #9: 0x00000000018cfd1c (this=0x...) at /app/index.js:1:0 fn=0x...
 * </pre>
 *
 * llnode prints a JavaScript function's arguments (the program's data) and the line where the
 * function starts, not the line it was executing. Arguments are dropped here; lldb's argument
 * values on native frames ({@code crash_write(r=0x0, id=2)}) too.
 */
final class V8BtParser {
  private static final Pattern THREAD = Pattern.compile("^\\s*\\*?\\s*thread #\\d+: tid = (\\d+)");
  private static final Pattern FRAME =
      Pattern.compile("^\\s+\\*?\\s*frame #(\\d+): 0x[0-9a-f]+(?: (.*))?$");
  private static final Pattern MARKER = Pattern.compile("^<[^<>]*>$");
  // Greedy head: the last " at " is llnode's, whatever the arguments before it hold.
  private static final Pattern JS = Pattern.compile("^(.*) at (.*) fn=0x[0-9a-f]+$");
  private static final Pattern POSITION = Pattern.compile("^(.*):(\\d+):(\\d+)$");
  private static final Pattern NATIVE_AT = Pattern.compile("^(.*) at (\\S.*?):(\\d+)(?::\\d+)?$");
  private static final Pattern PC_OFFSET = Pattern.compile(" \\+ \\d+$");
  private static final Pattern FLAGS = Pattern.compile("(?: \\[(?:opt|artificial)\\])+$");

  private V8BtParser() {}

  /** The stack of the thread {@code v8 bt} showed, or null when the output has none. */
  static @Nullable ThreadStack parse(String output, int maxFrames) {
    int tid = -1;
    List<Frame> frames = new ArrayList<>();
    for (String line : output.split("\n", -1)) {
      Matcher m;
      if (tid < 0 && (m = THREAD.matcher(line)).find()) {
        tid = Integer.parseInt(m.group(1));
      } else if (tid >= 0 && (m = FRAME.matcher(line)).matches()) {
        if (frames.size() < maxFrames) {
          frames.add(frame(m.group(2) == null ? "" : m.group(2).strip()));
        }
      }
    }
    return tid < 0 ? null : new ThreadStack(tid, frames);
  }

  static Frame frame(String rest) {
    if (rest.isEmpty()) {
      return Frame.nativeFrame("", null, null, null, null, 0);
    }
    if (MARKER.matcher(rest).matches()) {
      return Frame.marker(rest);
    }
    Matcher js = JS.matcher(rest);
    if (js.matches()) {
      return jsFrame(js.group(1), js.group(2));
    }
    int tick = rest.indexOf('`');
    if (tick > 0) {
      return nativeFrame(rest.substring(0, tick), rest.substring(tick + 1));
    }
    return Frame.marker(rest);
  }

  private static Frame jsFrame(String head, String position) {
    int args = head.indexOf("(this=");
    String name = (args < 0 ? head : head.substring(0, args)).strip();
    Matcher pos = POSITION.matcher(position);
    if (pos.matches()) {
      return Frame.js(name, pos.group(1), Integer.parseInt(pos.group(2)));
    }
    // "(no script)" for functions made in C++, nothing when llnode could not read the script.
    return Frame.js(name, position.isBlank() ? null : position.strip(), 0);
  }

  private static Frame nativeFrame(String module, String rest) {
    String s = FLAGS.matcher(rest).replaceFirst("");
    String file = null;
    int line = 0;
    Matcher at = NATIVE_AT.matcher(s);
    if (at.matches()) {
      s = at.group(1);
      file = at.group(2);
      line = Integer.parseInt(at.group(3));
    }
    s = PC_OFFSET.matcher(s).replaceFirst("");
    s = dropArgumentValues(s);
    if (s.startsWith("___lldb_unnamed_symbol")) {
      s = "";
    }
    return Frame.nativeFrame(s, module, null, null, file, line);
  }

  /**
   * {@code crash_write(r=0x0000000000000000, id=2)} becomes {@code crash_write}: with DWARF lldb
   * prints the values, which are the program's data. A demangled signature ({@code f(int)}) stays.
   */
  static String dropArgumentValues(String s) {
    if (!s.endsWith(")")) {
      return s;
    }
    int depth = 0;
    for (int i = s.length() - 1; i >= 0; i--) {
      char c = s.charAt(i);
      if (c == ')') {
        depth++;
      } else if (c == '(' && --depth == 0) {
        return s.substring(i).contains("=") ? s.substring(0, i) : s;
      }
    }
    return s;
  }
}
