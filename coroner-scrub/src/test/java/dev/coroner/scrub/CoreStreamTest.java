package dev.coroner.scrub;

import static dev.coroner.scrub.Secrets.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A core scrubbed while it streams comes out as the file scrub makes it, or passes unchanged. */
class CoreStreamTest {
  @TempDir Path tmp;

  private static final ScrubOptions ONE_THREAD = ScrubOptions.defaults().withThreads(1);

  /**
   * Code with secrets (never scrubbed), a heap of 5 MiB with secrets across the 1 MiB windows, a
   * read-only page between writable ones, a UTF-16LE secret, the command line in the notes.
   */
  static byte[] core() {
    byte[] heap = new byte[5 << 20];
    Random r = new Random(11);
    for (int i = 0; i < heap.length; i += 4096) {
      // Text-like pages between zero pages, so the zero-block skip is crossed too.
      if ((i >> 12) % 3 != 0) {
        for (int j = i; j < i + 4096; j++) {
          heap[j] = (byte) ('a' + r.nextInt(26));
        }
      }
    }
    for (int m = 1; m < 5; m++) {
      String secret = m % 3 == 0 ? JWT : m % 3 == 1 ? VISA : PEM;
      StreamTest.put(heap, (m << 20) - 9, " " + secret + " ");
    }
    StreamTest.put(heap, 4096 * 7 + 5, " " + AWS_ID + " ");
    byte[] wide = (" token " + JWT + " ").getBytes(StandardCharsets.UTF_16LE);
    System.arraycopy(wide, 0, heap, (3 << 20) + 4096 * 5 + 7, wide.length);
    byte[] stack = CoreScrubTest.page("x " + MASTERCARD + " y", false);
    return new SyntheticCore()
        .load(0x400000, 5, CoreScrubTest.page("code " + VISA + " " + AWS_ID, false))
        .rw(0x10000000, heap)
        .load(0x20000000, 4, CoreScrubTest.page("ro " + VISA, false))
        .rw(0x7fff0000, stack)
        .psargs("app --card " + VISA)
        .thread(0x7fff0100)
        .build();
  }

  private static CoreStream stream(ScrubOptions o, byte[] core, int step, ByteArrayOutputStream out)
      throws IOException {
    CoreStream s = Scrubber.of(o).coreStream(out, 0);
    try (s;
        var in = new StreamTest.Trickle(core, step)) {
      in.transferTo(s);
    }
    return s;
  }

  @ParameterizedTest
  @ValueSource(ints = {1 << 30, 65536, 4093, 777})
  void whateverTheWritesTheStreamComesOutAsTheFileScrubMakesIt(int step) throws Exception {
    byte[] core = core();
    Path file = Files.write(tmp.resolve("core"), core);
    ScrubReport byFile = Scrubber.of(ONE_THREAD).scrubCore(file);
    assertThat(byFile.complete()).as(byFile.summary()).isTrue();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScrubReport streamed = stream(ONE_THREAD, core, step, out).report();

    assertThat(streamed.complete()).as(streamed.summary()).isTrue();
    assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file)).isNotEqualTo(core);
    assertThat(streamed.matches())
        .isEqualTo(byFile.matches())
        .containsEntry("jwt", 2L)
        .containsEntry("pem-private-key", 1L);
    assertThat(streamed.segmentsScanned()).isEqualTo(2).isEqualTo(byFile.segmentsScanned());
    assertThat(streamed.bytesScanned()).isEqualTo(byFile.bytesScanned());
    assertThat(CoreScrubTest.contains(out.toByteArray(), MASTERCARD)).isFalse();
    assertThat(CoreScrubTest.contains(out.toByteArray(), "ro " + VISA))
        .as("a read-only segment is not written")
        .isTrue();
  }

  @Test
  void theProcessesOwnSecretValuesAreBlankedAsByTheFileScrub() throws Exception {
    byte[] core = core();
    String password = "Zq8-xv2LmP-4nKw";
    StreamTest.put(core, core.length - 4096 + 300, " pw " + password + " ");
    byte[] environ =
        ("DB_PASSWORD=" + password + "\0HOME=/root\0").getBytes(StandardCharsets.UTF_8);
    ScrubOptions o = ONE_THREAD.withEnvSecrets(EnvSecrets.fromEnviron(environ));
    Path file = Files.write(tmp.resolve("core"), core);
    ScrubReport byFile = Scrubber.of(o).scrubCore(file);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScrubReport streamed = stream(o, core, 100_000, out).report();

    assertThat(streamed.complete()).as(streamed.summary()).isTrue();
    assertThat(streamed.matches()).isEqualTo(byFile.matches());
    assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file));
    assertThat(CoreScrubTest.contains(out.toByteArray(), password)).isFalse();
  }

  @Test
  void aCoreCutShortPassesWhatCameScrubbedButIsNotComplete() throws Exception {
    byte[] core = core();
    byte[] cut = Arrays.copyOf(core, core.length - 4096 - 100); // within the last segment
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScrubReport r = stream(ONE_THREAD, cut, 65536, out).report();
    assertThat(r.complete()).isFalse();
    assertThat(r.failure()).contains("cut short");
    assertThat(out.size()).isEqualTo(cut.length);
    assertThat(CoreScrubTest.contains(out.toByteArray(), JWT)).isFalse();
  }

  @Test
  void whatItCannotScrubInOrderPassesUnchangedWithTheReason() throws Exception {
    byte[] core = core();
    assertPassesUnchanged(
        ONE_THREAD, "not an ELF core at all ".repeat(9).getBytes(), "not a usable core");
    assertPassesUnchanged(ONE_THREAD, Arrays.copyOf(core, 100), "ended within its headers");
    assertPassesUnchanged(ONE_THREAD.withDropHeap(true), core, "heap drop");

    // A hostile table: the second writable segment says it starts inside the first.
    byte[] overlapping = core.clone();
    ByteBuffer h = ByteBuffer.wrap(overlapping).order(ByteOrder.LITTLE_ENDIAN);
    int heapPh = 64 + 56 * 2;
    int stackPh = 64 + 56 * 4;
    h.putLong(stackPh + 8, h.getLong(heapPh + 8) + 4096);
    assertPassesUnchanged(ONE_THREAD, overlapping, "overlaps");

    // A note that claims more bytes than its segment holds.
    byte[] badNote = core.clone();
    ByteBuffer n = ByteBuffer.wrap(badNote).order(ByteOrder.LITTLE_ENDIAN);
    int notesAt = (int) n.getLong(64 + 8);
    n.putInt(notesAt + 4, Integer.MAX_VALUE);
    assertPassesUnchanged(ONE_THREAD, badNote, "malformed");
  }

  @Test
  void aSmallCoreIsLeftToTheFileScrub() throws Exception {
    byte[] core = core();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreStream s = Scrubber.of(ONE_THREAD).coreStream(out, core.length + 1L);
    try (s) {
      s.write(core);
    }
    assertThat(s.report().complete()).isFalse();
    assertThat(s.report().failure()).contains("scrubbed as a file");
    assertThat(out.toByteArray()).isEqualTo(core);
  }

  @Test
  void aReportBeforeTheEndIsNotComplete() throws Exception {
    CoreStream s = Scrubber.of(ONE_THREAD).coreStream(new ByteArrayOutputStream(), 0);
    s.write(core(), 0, 1 << 20);
    assertThat(s.scrubbing()).isTrue();
    assertThat(s.report().complete()).isFalse();
  }

  private static void assertPassesUnchanged(ScrubOptions o, byte[] core, String why)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ScrubReport r = stream(o, core, 3000, out).report();
    assertThat(r.complete()).as(why).isFalse();
    assertThat(r.failure()).contains(why);
    assertThat(out.toByteArray()).as(why).isEqualTo(core);
  }
}
