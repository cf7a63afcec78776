package dev.coroner.agent.cri;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriLogTailTest {
  private static final String TS = "2026-11-27T08:02:54.962123456Z";

  @TempDir Path dir;

  @Test
  void stripsThePrefixAndKeepsTheLastLines() throws IOException {
    Path log = write("a.log", out("F", "one"), err("F", "two"), out("F", "three"), out("F", ""));

    assertThat(CriLogTail.read(log, 10)).containsExactly("one", "two", "three", "");
    assertThat(CriLogTail.read(log, 2)).containsExactly("three", "");
    assertThat(CriLogTail.read(log, 0)).isEmpty();
  }

  @Test
  void joinsPartialEntriesPerStream() throws IOException {
    Path log =
        write(
            "p.log",
            out("F", "before"),
            out("P", "left-"),
            err("F", "an error in between"),
            out("P", "middle-"),
            out("F", "right"),
            err("P", "err-a"),
            err("F", "+err-b"));

    assertThat(CriLogTail.read(log, 10))
        .containsExactly("before", "an error in between", "left-middle-right", "err-a+err-b");
    // The oldest wanted line starts with P entries before an unrelated line: all are found.
    assertThat(CriLogTail.read(log, 2)).containsExactly("left-middle-right", "err-a+err-b");
  }

  @Test
  void joinsBytesSplitInsideACharacter() throws IOException {
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
    Path log = dir.resolve("utf8.log");
    var bytes = new java.io.ByteArrayOutputStream();
    bytes.writeBytes((TS + " stdout P x").getBytes(StandardCharsets.UTF_8));
    bytes.write(euro, 0, 1);
    bytes.writeBytes(("\n" + TS + " stdout F ").getBytes(StandardCharsets.UTF_8));
    bytes.write(euro, 1, 2);
    bytes.writeBytes("y\n".getBytes(StandardCharsets.UTF_8));
    Files.write(log, bytes.toByteArray());

    assertThat(CriLogTail.read(log, 5)).containsExactly("x€y");
  }

  @Test
  void readsABigFileFromTheEndOnly() throws IOException {
    Path log = dir.resolve("big.log");
    try (BufferedWriter w = Files.newBufferedWriter(log)) {
      for (int i = 0; i < 400_000; i++) {
        w.write(out("F", "line " + i + " " + "x".repeat(40)));
        w.write('\n');
      }
    }
    assertThat(Files.size(log)).isGreaterThan(30L << 20);

    long start = System.nanoTime();
    List<String> tail = CriLogTail.read(log, 500);
    long ms = (System.nanoTime() - start) / 1_000_000;

    assertThat(tail).hasSize(500);
    assertThat(tail.get(0)).startsWith("line 399500 ");
    assertThat(tail.get(499)).startsWith("line 399999 ");
    // Reading 30 MB would be slower and is what this class exists to avoid; 500 lines are ~50 KB.
    assertThat(ms).isLessThan(500);
  }

  @Test
  void stopsAtTheByteLimit() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      lines.add(out("F", "line " + i));
    }
    Path log = write("limit.log", lines.toArray(String[]::new));

    List<String> tail = CriLogTail.read(log, 1000, 1000);

    // Only whole lines from the last 1000 bytes, never a cut one.
    assertThat(tail).isNotEmpty().hasSizeLessThan(40).endsWith("line 999");
    assertThat(tail).allMatch(l -> l.startsWith("line "));
    assertThat(String.join("\n", tail)).doesNotContain(" F ");
  }

  @Test
  void keepsALastLineWithoutNewline() throws IOException {
    Path log = dir.resolve("nonl.log");
    Files.writeString(log, out("F", "done") + "\n" + out("F", "still writing"));

    assertThat(CriLogTail.read(log, 5)).containsExactly("done", "still writing");
    assertThat(CriLogTail.read(log, 1)).containsExactly("still writing");
  }

  @Test
  void keepsPartialEntriesThatNeverEnded() throws IOException {
    Path log = write("dead.log", out("F", "ok"), out("P", "died in the mid"));

    assertThat(CriLogTail.read(log, 5)).containsExactly("ok", "died in the mid");
  }

  @Test
  void keepsLinesInOtherFormatsAsTheyAre() throws IOException {
    Path log = write("other.log", "not a cri line", out("F", "cri"));

    assertThat(CriLogTail.read(log, 5)).containsExactly("not a cri line", "cri");
  }

  @Test
  void readsEmptyAndLongLineFiles() throws IOException {
    assertThat(CriLogTail.read(write("empty.log"), 5)).isEmpty();
    String huge = "y".repeat(300_000);
    Path log = write("long.log", out("F", "first"), out("F", huge), out("F", "last"));

    assertThat(CriLogTail.read(log, 2)).containsExactly(huge, "last");
    assertThat(CriLogTail.read(log, 3)).containsExactly("first", huge, "last");
  }

  private Path write(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, List.of(lines));
    return file;
  }

  private static String out(String tag, String text) {
    return TS + " stdout " + tag + " " + text;
  }

  private static String err(String tag, String text) {
    return TS + " stderr " + tag + " " + text;
  }
}
