package dev.coroner.scrub;

import static dev.coroner.scrub.Secrets.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreScrubTest {
  @TempDir Path tmp;

  static byte[] page(String text, boolean utf16) {
    byte[] p = new byte[SyntheticCore.PAGE];
    byte[] t = text.getBytes(utf16 ? StandardCharsets.UTF_16LE : StandardCharsets.ISO_8859_1);
    System.arraycopy(t, 0, p, 100, t.length);
    return p;
  }

  static boolean contains(byte[] hay, String needle) {
    return indexOf(hay, needle.getBytes(StandardCharsets.ISO_8859_1)) >= 0
        || indexOf(hay, needle.getBytes(StandardCharsets.UTF_16LE)) >= 0;
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private Path write(byte[] core) throws Exception {
    return Files.write(tmp.resolve("core"), core);
  }

  @Test
  void writableSegmentsAndNotesAreScrubbedInPlaceAndCodeIsNot() throws Exception {
    byte[] code = page("code " + VISA + " " + AWS_ID, false);
    byte[] heap = new byte[3 << 20];
    System.arraycopy(page("x " + JWT + " " + VISA, false), 0, heap, 0, 4096);
    System.arraycopy(page("y " + AWS_ID + " " + PEM, true), 0, heap, 8192, 4096);
    StreamTest.put(heap, (1 << 20) - 20, " " + JWT + " "); // across the first 1 MiB window
    byte[] core =
        new SyntheticCore()
            .load(0x400000, 5, code)
            .rw(0x10000000, heap)
            .psargs("app --card " + VISA)
            .thread(0x10000100)
            .build();
    Path p = write(core);
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withThreads(1)).scrubCore(p);
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.matches())
        .containsEntry("jwt", 2L)
        .containsEntry("card", 2L)
        .containsEntry("aws-access-key-id", 1L)
        .containsEntry("pem-private-key", 1L);
    assertThat(r.segmentsScanned()).isEqualTo(1);
    byte[] after = Files.readAllBytes(p);
    assertThat(after).hasSameSizeAs(core);
    int codeAt = indexOf(core, code);
    assertThat(Arrays.copyOfRange(after, codeAt, codeAt + code.length)).isEqualTo(code);
    int heapAt = codeAt + code.length;
    assertThat(Arrays.copyOf(after, heapAt))
        .as("headers, notes' headers and code")
        .isEqualTo(Arrays.copyOf(withPsargsBlanked(core), heapAt));
    byte[] heapAfter = Arrays.copyOfRange(after, heapAt, after.length);
    for (String s :
        List.of(
            JWT,
            VISA,
            AWS_ID,
            "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu")) {
      assertThat(contains(heapAfter, s)).as(s).isFalse();
    }
  }

  private static byte[] withPsargsBlanked(byte[] core) {
    byte[] c = core.clone();
    int at = indexOf(c, ("--card " + VISA).getBytes(StandardCharsets.US_ASCII)) + 7;
    Arrays.fill(c, at, at + VISA.length(), (byte) '*');
    return c;
  }

  @Test
  void aNoteLargerThanTheHeapWouldHoldIsScannedAChunkAtATime() throws Exception {
    byte[] desc = new byte[CoreJob.SMALL_NOTE + 3 * CoreJob.CHUNK];
    StreamTest.put(desc, CoreJob.CHUNK - 20, " " + JWT + " "); // across a read window
    StreamTest.put(desc, desc.length - 100, " " + AWS_ID + " ");
    byte[] core = new SyntheticCore().rw(0x10000000, new byte[4096]).note(desc).build();
    Path p = write(core);
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withThreads(1)).scrubCore(p);
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.matches()).containsEntry("jwt", 1L).containsEntry("aws-access-key-id", 1L);
    byte[] after = Files.readAllBytes(p);
    assertThat(after).hasSameSizeAs(core);
    assertThat(contains(after, JWT.substring(0, 30))).isFalse();
    assertThat(contains(after, JWT.substring(JWT.length() - 30))).isFalse();
    assertThat(contains(after, AWS_ID)).isFalse();
  }

  @Test
  void aScratchCopyIsScrubbedTheSameWay() throws Exception {
    byte[] heap = new byte[2 << 20];
    StreamTest.put(heap, 4096, " " + JWT + " " + AWS_ID + " ");
    byte[] core = new SyntheticCore().rw(0x10000000, heap).thread(0x10000000).build();
    Path synced = Files.write(tmp.resolve("synced"), core);
    Path scratch = Files.write(tmp.resolve("scratch"), core);
    Scrubber s = Scrubber.of(ScrubOptions.defaults().withThreads(2));
    ScrubReport a = s.scrubCore(synced);
    ScrubReport b = s.scrubScratchCore(scratch);
    assertThat(b.complete()).as(b.summary()).isTrue();
    assertThat(b.matches()).isEqualTo(a.matches()).containsEntry("jwt", 1L);
    assertThat(Files.readAllBytes(scratch)).isEqualTo(Files.readAllBytes(synced));
  }

  @Test
  void aSecretAcrossTwoUnitsIsFoundByTwoThreads() throws Exception {
    byte[] heap = new byte[(int) CoreJob.UNIT + (1 << 20)];
    StreamTest.put(heap, (int) CoreJob.UNIT - 40, " " + JWT + " ");
    StreamTest.put(heap, (int) CoreJob.UNIT + 4096, " " + AWS_ID + " ");
    Path p = write(new SyntheticCore().rw(0x10000000, heap).thread(0x10000000).build());
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withThreads(2)).scrubCore(p);
    assertThat(r.complete()).isTrue();
    assertThat(r.matches()).containsEntry("jwt", 1L).containsEntry("aws-access-key-id", 1L);
    byte[] after = Files.readAllBytes(p);
    assertThat(contains(after, JWT.substring(0, 30))).isFalse();
    assertThat(contains(after, JWT.substring(JWT.length() - 30))).isFalse();
  }

  @Test
  void aMatchNeverSpansTwoSegmentsAndReadOnlyBytesStay() throws Exception {
    // The first half of a key id ends a writable segment, the rest starts a read-only one.
    byte[] rw = new byte[4096];
    byte[] ro = new byte[4096];
    StreamTest.put(rw, 4096 - 10, " " + AWS_ID.substring(0, 9));
    StreamTest.put(ro, 0, AWS_ID.substring(9) + " ");
    byte[] core = new SyntheticCore().rw(0x1000, rw).load(0x2000, 4, ro).thread(0x1000).build();
    Path p = write(core);
    ScrubReport r = Scrubber.of(ScrubOptions.defaults()).scrubCore(p);
    assertThat(r.complete()).isTrue();
    assertThat(r.matches()).doesNotContainKey("aws-access-key-id");
    assertThat(Files.readAllBytes(p)).isEqualTo(core);
  }

  @Test
  void environmentValuesAreBlankedInNotesAndMemory() throws Exception {
    EnvSecrets env =
        EnvSecrets.fromEnviron("DB_PASSWORD=Tr0ub4dor&3xyz\0".getBytes(StandardCharsets.UTF_8));
    byte[] stack = page("DB_PASSWORD=Tr0ub4dor&3xyz", false);
    byte[] heap = page("copy: Tr0ub4dor&3xyz", true);
    Path p =
        write(
            new SyntheticCore()
                .rw(0x7ff000, stack)
                .rw(0x10000000, heap)
                .psargs("app --password Tr0ub4dor&3xyz")
                .thread(0x7ff100)
                .build());
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withEnvSecrets(env)).scrubCore(p);
    assertThat(r.matches()).containsEntry("env-secret", 3L);
    assertThat(contains(Files.readAllBytes(p), "Tr0ub4dor")).isFalse();
  }

  @Test
  void textInRegistersIsBlankedAndOtherValuesKept() throws Exception {
    byte[] fx = new byte[512];
    byte[] piece = "wJalrXUtnFEMI/K7".getBytes(StandardCharsets.US_ASCII); // 16 bytes
    System.arraycopy(piece, 0, fx, 160, 16); // xmm0
    byte[] tail = "EXAMPLEKEY".getBytes(StandardCharsets.US_ASCII); // then NULs
    System.arraycopy(tail, 0, fx, 176, tail.length); // xmm1
    fx[192] = 'A'; // xmm2: one letter, a small integer: kept
    ByteBuffer.wrap(fx, 32, 8).order(ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI); // st0
    long text =
        ByteBuffer.wrap("Zq8-xv2L".getBytes(StandardCharsets.US_ASCII))
            .order(ByteOrder.LITTLE_ENDIAN)
            .getLong();
    Path p =
        write(
            new SyntheticCore()
                .rw(0x1000, new byte[4096])
                .thread(0x1000)
                .gprs(text, 0x00007ffd12345678L, 42)
                .fpregs(fx)
                .build());
    ScrubReport r = Scrubber.of(ScrubOptions.defaults()).scrubCore(p);
    assertThat(r.matches()).containsEntry("register-text", 3L);
    byte[] after = Files.readAllBytes(p);
    assertThat(contains(after, "wJalr")).isFalse();
    assertThat(contains(after, "EXAMPLEKEY")).isFalse();
    assertThat(contains(after, "Zq8-")).isFalse();
    int fxAt = indexOf(after, Arrays.copyOfRange(fx, 32, 40));
    assertThat(fxAt).as("st0 kept").isPositive();
    assertThat(after[fxAt + 192 - 32]).as("xmm2 kept").isEqualTo((byte) 'A');
    assertThat(
            indexOf(
                after,
                ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(0x00007ffd12345678L)
                    .array()))
        .as("a pointer kept")
        .isPositive();
  }

  @Test
  void theHeapDropZeroesAnonymousMemoryButKeepsStacksAndFileData() throws Exception {
    byte[] stack = page("stack " + VISA, false);
    byte[] data = page("data " + AWS_ID + " keep-me", false);
    byte[] heap = page("heap keep-nothing", false);
    Path p =
        write(
            new SyntheticCore()
                .rw(0x7ff000, stack)
                .rw(0x600000, data)
                .rw(0x10000000, heap)
                .file(0x600000, 0x601000)
                .thread(0x7ff800)
                .build());
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withDropHeap(true)).scrubCore(p);
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.segmentsZeroed()).isEqualTo(1);
    assertThat(r.bytesZeroed()).isEqualTo(4096);
    assertThat(r.matches()).containsEntry("card", 1L).containsEntry("aws-access-key-id", 1L);
    byte[] after = Files.readAllBytes(p);
    assertThat(contains(after, "keep-me")).isTrue();
    assertThat(contains(after, "stack ")).isTrue();
    assertThat(contains(after, "keep-nothing")).isFalse();
  }

  @Test
  void theHeapDropWithoutStackPointersFails() throws Exception {
    Path p = write(new SyntheticCore().rw(0x1000, page("heap", false)).build());
    ScrubReport r = Scrubber.of(ScrubOptions.defaults().withDropHeap(true)).scrubCore(p);
    assertThat(r.complete()).isFalse();
    assertThat(r.failure()).contains("stack pointers");
    assertThat(contains(Files.readAllBytes(p), "heap")).as("nothing zeroed").isTrue();
  }

  @Test
  void aMissingFileIsAFailedReport() {
    ScrubReport r = Scrubber.of(ScrubOptions.defaults()).scrubCore(tmp.resolve("nope"));
    assertThat(r.complete()).isFalse();
    assertThat(r.failure()).contains("no such file");
  }
}
