package dev.coroner.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Java frames of each thread from {@code jhsdb jstack --core CORE --exe JAVA}:
 *
 * <pre>
 * "main" #1 prio=5 tid=0x00007f6a64017fd0 nid=0x249e runnable [0x00007f6a699fe000]
 *    java.lang.Thread.State: RUNNABLE
 *  - app.Crash.writeRecord(int) @bci=0, line=7 (Interpreted frame)
 * </pre>
 *
 * {@code nid} is the thread's Linux TID: hex up to JDK 17, decimal from JDK 21 on. The mixed-mode
 * form ({@code jstack --mixed}: {@code ----- TID -----} blocks, {@code 0xPC * pkg.C.m(..) bci:1
 * line:2 (Compiled frame)}) is read too, its native lines left out.
 */
final class JStackParser {
  // Greedy up to the last " nid=": a thread's name is the program's to choose.
  private static final Pattern THREAD =
      Pattern.compile("^\".*\\snid=(0x[0-9a-fA-F]+|\\d+)(?:\\s|$)");
  private static final Pattern MIXED_THREAD = Pattern.compile("^-{5,} (\\d+) -{5,}$");
  private static final Pattern FRAME =
      Pattern.compile("^\\s+- ([^\\s(]+)\\(.*\\) @bci=-?\\d+(?:, line=(-?\\d+))? \\(.*frame\\)$");
  private static final Pattern MIXED_FRAME =
      Pattern.compile("^0x[0-9a-f]+\\s+\\* ([^\\s(]+)\\(.*\\) bci:-?\\d+(?: line:(-?\\d+))?.*$");

  private JStackParser() {}

  static List<ThreadStack> parse(String output, int maxFrames) {
    List<ThreadStack> stacks = new ArrayList<>();
    int tid = -1;
    List<Frame> frames = new ArrayList<>();
    for (String line : output.split("\n", -1)) {
      Matcher m;
      int next = -1;
      if ((m = THREAD.matcher(line)).find()) {
        next = nid(m.group(1));
      } else if ((m = MIXED_THREAD.matcher(line)).matches()) {
        next = Integer.parseInt(m.group(1));
      }
      if (next >= 0) {
        // The mixed form names the TID twice (the block, then the thread's header): one stack.
        if (next != tid) {
          addStack(stacks, tid, frames);
          frames = new ArrayList<>();
        }
        tid = next;
      } else if (tid >= 0
          && ((m = FRAME.matcher(line)).matches() || (m = MIXED_FRAME.matcher(line)).matches())
          && frames.size() < maxFrames) {
        int lineNo = m.group(2) == null ? 0 : Math.max(0, Integer.parseInt(m.group(2)));
        frames.add(Frame.java(m.group(1), lineNo));
      }
    }
    addStack(stacks, tid, frames);
    return stacks;
  }

  private static void addStack(List<ThreadStack> stacks, int tid, List<Frame> frames) {
    if (tid >= 0) {
      stacks.removeIf(s -> s.tid() == tid && s.frames().isEmpty());
      stacks.add(new ThreadStack(tid, frames));
    }
  }

  private static int nid(String s) {
    try {
      return s.startsWith("0x") ? Integer.parseInt(s.substring(2), 16) : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
