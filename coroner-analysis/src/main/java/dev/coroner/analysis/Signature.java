package dev.coroner.analysis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The crash signature of a crashing thread's frames: which bug this is, the same for every crash of
 * it.
 *
 * <ol>
 *   <li>Skip signal, abort and runtime frames ({@link FrameRules#skip}).
 *   <li>Normalize the others ({@link FrameKeys}).
 *   <li>Keep the in-app ones, innermost first; when there are none, the non-skipped ones.
 *   <li>{@code signature} = the first 16 hex digits of SHA-256 over {@code runtime} and the first
 *       {@value #FULL} keys, joined by {@code " | "}; {@code signature3} the same over the first
 *       {@value #COARSE} (satyr's duphash depth): one bug reached from several callers.
 * </ol>
 *
 * @param frames the frames with their keys and in-app flags
 * @param topFrame the first signature frame, readable: {@code bar (index.js:11)}
 * @param text the text {@code signature} hashes
 * @param signature the full signature, null when no frame has a key
 * @param signature3 the coarse signature, null likewise
 */
public record Signature(
    List<Frame> frames,
    @Nullable String topFrame,
    @Nullable String text,
    @Nullable String signature,
    @Nullable String signature3) {
  static final int FULL = 5;
  static final int COARSE = 3;
  static final String SEPARATOR = " | ";

  public Signature {
    frames = List.copyOf(frames);
  }

  /** The signature of {@code frames} (innermost first) of a crash of {@code exe}. */
  public static Signature of(
      RuntimeKind runtime, @Nullable Path exe, List<String> mappedFiles, List<Frame> frames) {
    FrameRules rules = FrameRules.of(runtime, exe, mappedFiles);
    List<Frame> classified = new ArrayList<>(frames.size());
    List<Frame> inApp = new ArrayList<>();
    List<Frame> kept = new ArrayList<>();
    for (Frame f : frames) {
      String key = rules.skip(f) ? null : FrameKeys.of(f);
      Frame c = f.classified(key, key != null && rules.inApp(f));
      classified.add(c);
      if (key != null) {
        kept.add(c);
        if (c.inApp()) {
          inApp.add(c);
        }
      }
    }
    List<Frame> chosen = inApp.isEmpty() ? kept : inApp;
    if (chosen.isEmpty()) {
      return new Signature(classified, null, null, null, null);
    }
    String full = text(runtime, chosen, FULL);
    return new Signature(
        classified, readable(chosen.get(0)), full, hash(full), hash(text(runtime, chosen, COARSE)));
  }

  private static String text(RuntimeKind runtime, List<Frame> frames, int depth) {
    StringBuilder sb = new StringBuilder(runtime.id());
    for (Frame f : frames.subList(0, Math.min(depth, frames.size()))) {
      sb.append(SEPARATOR).append(f.key());
    }
    return sb.toString();
  }

  /**
   * {@code bar (index.js:11)}, {@code crash_write (segv.c:10)}, {@code app.Crash.handle (line 11)},
   * {@code segv+0x1194} for a frame without a symbol.
   */
  static String readable(Frame f) {
    if (Frame.NATIVE.equals(f.kind()) && f.function().isEmpty()) {
      return f.module() + "+" + f.offset();
    }
    String what =
        switch (f.kind()) {
          case Frame.NATIVE -> FrameKeys.nativeFunction(f.function());
          case Frame.JAVA -> FrameKeys.javaMethod(f.function());
          default -> f.function().isEmpty() ? FrameKeys.ANONYMOUS : f.function();
        };
    String where;
    if (f.file() != null && f.line() > 0) {
      where = Text.basename(f.file()) + ":" + f.line();
    } else if (f.line() > 0) {
      where = "line " + f.line();
    } else if (f.file() != null) {
      where = Text.basename(f.file());
    } else {
      where = f.module();
    }
    return where == null ? what : what + " (" + where + ")";
  }

  static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
