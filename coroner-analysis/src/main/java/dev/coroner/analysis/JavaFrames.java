package dev.coroner.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts a JVM thread's Java frames (jhsdb) into its native frames (eu-stack). To eu-stack, the
 * interpreter's and the JIT's frames are bare pcs outside any module; the Java frames take the
 * place of the first run of them:
 *
 * <pre>
 * raise, abort, os::abort, VMError::..., poke, Java_app_Crash_nativeWrite, 0x..., 0x..., JavaCalls::call_helper
 * raise, abort, os::abort, VMError::..., poke, Java_app_Crash_nativeWrite, app.Crash.nativeWrite, ..., JavaCalls::call_helper
 * </pre>
 *
 * Java code that calls native code that calls Java again shows as several runs; all the Java frames
 * go into the first, so the innermost ones stay in place. When there is no run, the Java frames
 * follow the native ones.
 */
final class JavaFrames {
  private JavaFrames() {}

  static List<Frame> merge(List<Frame> nativeFrames, List<Frame> javaFrames) {
    if (javaFrames.isEmpty()) {
      return nativeFrames;
    }
    List<Frame> out = new ArrayList<>(nativeFrames.size() + javaFrames.size());
    boolean placed = false;
    for (int i = 0; i < nativeFrames.size(); i++) {
      Frame f = nativeFrames.get(i);
      if (!placed && f.anonymous()) {
        out.addAll(javaFrames);
        placed = true;
        while (i + 1 < nativeFrames.size() && nativeFrames.get(i + 1).anonymous()) {
          i++;
        }
      } else {
        out.add(f);
      }
    }
    if (!placed) {
      out.addAll(javaFrames);
    }
    return out;
  }
}
