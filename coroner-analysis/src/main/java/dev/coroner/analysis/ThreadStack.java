package dev.coroner.analysis;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** The frames of one thread, innermost first, as one debugger printed them. */
record ThreadStack(int tid, List<Frame> frames) {
  ThreadStack {
    frames = List.copyOf(frames);
  }

  /** The stack of {@code tid}, or null when the output has none for it. */
  static @Nullable ThreadStack find(List<ThreadStack> stacks, int tid) {
    for (ThreadStack s : stacks) {
      if (s.tid() == tid) {
        return s;
      }
    }
    return null;
  }
}
