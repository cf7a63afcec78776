package dev.coroner.receiver.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CoreNotesTest {

  /** One line of heads.txt: file, the full core's size, the crashing pid. */
  private record Head(byte[] bytes, long fullSize, int pid) {}

  private static Head head(String name) throws IOException {
    List<String> lines;
    try (InputStream in = CoreNotesTest.class.getResourceAsStream("heads.txt")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    String[] f =
        lines.stream().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow().split(" ");
    try (InputStream in = CoreNotesTest.class.getResourceAsStream(name)) {
      return new Head(in.readAllBytes(), Long.parseLong(f[1]), Integer.parseInt(f[2]));
    }
  }

  @Test
  void kernelCoreOfASegfault() throws IOException {
    Head head = head("kernel-sigsegv.head");
    CoreNotes notes = CoreNotes.parse(head.bytes(), head.bytes().length);

    assertThat(notes.signal()).hasValue(11);
    assertThat(notes.signalCode()).hasValue(1); // SEGV_MAPERR
    assertThat(notes.faultAddress()).hasValue(0L);
    assertThat(notes.tid()).hasValue(head.pid());
    assertThat(notes.command()).contains("crasher");
    assertThat(notes.arguments()).hasValueSatisfying(a -> assertThat(a).endsWith("/crasher"));
    assertThat(notes.announcedSize()).hasValue(head.fullSize());
    assertThat(CoreNotes.signalName(notes.signal().getAsInt())).isEqualTo("SIGSEGV");
  }

  @Test
  void gcoreOfALiveProcessPutsPsinfoFirstAndHasTheStopSignal() throws IOException {
    Head head = head("gcore-live.head");
    assertThat(firstNoteType(head.bytes())).as("gdb writes NT_PRPSINFO first").isEqualTo(3);
    CoreNotes notes = CoreNotes.parse(head.bytes(), head.bytes().length);

    assertThat(notes.tid()).hasValue(head.pid());
    assertThat(notes.command()).contains("crasher");
    assertThat(notes.signal()).as("SIGSTOP: gdb attached, nothing crashed").hasValue(19);
    assertThat(notes.signalCode()).as("SI_KERNEL").hasValue(128);
    assertThat(notes.announcedSize()).hasValue(head.fullSize());
  }

  @Test
  void kernelWritesPrstatusFirst() throws IOException {
    assertThat(firstNoteType(head("kernel-sigsegv.head").bytes())).isEqualTo(1);
  }

  @Test
  void everyTruncationIsEitherUnknownOrRight() throws IOException {
    byte[] bytes = head("kernel-sigsegv.head").bytes();
    CoreNotes full = CoreNotes.parse(bytes, bytes.length);
    for (int n = 0; n <= bytes.length; n++) {
      CoreNotes cut = CoreNotes.parse(Arrays.copyOf(bytes, n), n);
      assertThat(cut.signal())
          .satisfiesAnyOf(
              s -> assertThat(s).isEmpty(), s -> assertThat(s).isEqualTo(full.signal()));
      assertThat(cut.tid())
          .satisfiesAnyOf(s -> assertThat(s).isEmpty(), s -> assertThat(s).isEqualTo(full.tid()));
      assertThat(cut.command())
          .satisfiesAnyOf(
              s -> assertThat(s).isEmpty(), s -> assertThat(s).isEqualTo(full.command()));
      assertThat(cut.announcedSize())
          .satisfiesAnyOf(
              s -> assertThat(s).isEmpty(), s -> assertThat(s).isEqualTo(full.announcedSize()));
    }
  }

  @Test
  void garbageNeverThrows() throws IOException {
    byte[] real = head("kernel-sigsegv.head").bytes();
    Random random = new Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] junk = Arrays.copyOf(real, Math.min(real.length, 64 + random.nextInt(4096)));
      // keep the ELF header valid most of the time, so the fuzz reaches the headers and notes
      int from = random.nextInt(4) == 0 ? 0 : 24;
      for (int j = 0; j < 1 + random.nextInt(32); j++) {
        junk[from + random.nextInt(junk.length - from)] = (byte) random.nextInt();
      }
      CoreNotes.parse(junk, junk.length);
    }
    byte[] noise = new byte[8192];
    random.nextBytes(noise);
    assertThat(CoreNotes.parse(noise, noise.length)).isEqualTo(CoreNotes.UNKNOWN);
    assertThat(CoreNotes.parse(new byte[0], 0)).isEqualTo(CoreNotes.UNKNOWN);
    assertThat(CoreNotes.parse(real, -5)).isEqualTo(CoreNotes.UNKNOWN);
  }

  @Test
  void craftedNotesInAnyOrder() {
    byte[] core =
        new FakeCore().siginfo(6, -6).prpsinfo("node", "node app.js").prstatus(6, 77).build();
    CoreNotes notes = CoreNotes.parse(core, core.length);
    assertThat(notes.signal()).hasValue(6);
    assertThat(notes.signalCode()).hasValue(-6); // SI_TKILL: abort()
    assertThat(notes.faultAddress()).isEmpty();
    assertThat(notes.tid()).hasValue(77);
    assertThat(notes.command()).contains("node");
    assertThat(notes.arguments()).contains("node app.js");
    assertThat(notes.announcedSize()).hasValue(core.length);
  }

  @Test
  void firstPrstatusIsTheDumpingThread() {
    byte[] core = new FakeCore().prstatus(11, 10).prstatus(0, 11).prstatus(0, 12).build();
    CoreNotes notes = CoreNotes.parse(core, core.length);
    assertThat(notes.tid()).hasValue(10);
    assertThat(notes.signal()).as("pr_cursig without NT_SIGINFO").hasValue(11);
  }

  @Test
  void hostileSizesAreUnknown() {
    byte[] core = new FakeCore().prstatus(11, 10).build();
    ByteBuffer b = ByteBuffer.wrap(core).order(ByteOrder.LITTLE_ENDIAN);
    int note = (int) b.getLong(64 + 8);
    b.putInt(note, -1); // namesz 4 GiB
    assertThat(CoreNotes.parse(core, core.length).tid()).isEmpty();
    b.putInt(note, 5).putInt(note + 4, Integer.MAX_VALUE); // descsz past the end
    assertThat(CoreNotes.parse(core, core.length).tid()).isEmpty();
    b.putInt(note + 4, 336).putLong(64 + 8, Long.MAX_VALUE); // p_offset
    assertThat(CoreNotes.parse(core, core.length).announcedSize()).isEmpty();
    b.putLong(64 + 8, -8);
    assertThat(CoreNotes.parse(core, core.length).tid()).isEmpty();
    b.putLong(64 + 8, note).putLong(32, Long.MAX_VALUE); // e_phoff
    assertThat(CoreNotes.parse(core, core.length)).isEqualTo(CoreNotes.UNKNOWN);
    b.putLong(32, 64).putShort(56, (short) 0xffff); // PN_XNUM
    CoreNotes xnum = CoreNotes.parse(core, core.length);
    assertThat(xnum.tid()).hasValue(10);
    assertThat(xnum.announcedSize()).isEmpty();
  }

  @Test
  void onlyLittleEndianX86CoresAreRead() {
    byte[] core = new FakeCore().prstatus(11, 10).build();
    byte[] exec = core.clone();
    exec[16] = 2; // ET_EXEC
    assertThat(CoreNotes.parse(exec, exec.length)).isEqualTo(CoreNotes.UNKNOWN);
    byte[] arm = core.clone();
    arm[18] = (byte) 183; // EM_AARCH64: another prstatus layout
    assertThat(CoreNotes.parse(arm, arm.length)).isEqualTo(CoreNotes.UNKNOWN);
    byte[] big = core.clone();
    big[5] = 2;
    assertThat(CoreNotes.parse(big, big.length)).isEqualTo(CoreNotes.UNKNOWN);
  }

  @Test
  void coreHeadKeepsTheFirstBytesWhileTheCorePassesThrough() throws IOException {
    byte[] core = new FakeCore().prstatus(11, 10).build();
    byte[] stream = Arrays.copyOf(core, core.length + 100_000);
    CoreHead head =
        new CoreHead(Channels.newChannel(new java.io.ByteArrayInputStream(stream)), 1024);
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(333);
    while (head.read(buf.clear()) >= 0) {
      copy.write(buf.array(), 0, buf.position());
    }
    assertThat(copy.toByteArray()).isEqualTo(stream);
    assertThat(head.total()).isEqualTo(stream.length);
    assertThat(head.bytes()).isEqualTo(Arrays.copyOf(stream, 1024));
    assertThat(head.notes().tid()).hasValue(10);
  }

  private static int firstNoteType(byte[] core) {
    ByteBuffer b = ByteBuffer.wrap(core).order(ByteOrder.LITTLE_ENDIAN);
    long phoff = b.getLong(32);
    int phnum = Short.toUnsignedInt(b.getShort(56));
    for (int i = 0; i < phnum; i++) {
      int ph = (int) (phoff + 56L * i);
      if (b.getInt(ph) == 4) {
        return b.getInt((int) b.getLong(ph + 8) + 8);
      }
    }
    return -1;
  }

  /** A minimal x86_64 core: ELF header, one PT_NOTE header, the notes, then 4 KiB of "memory". */
  private static final class FakeCore {
    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();

    FakeCore prstatus(int cursig, int pid) {
      ByteBuffer d = desc(336);
      d.putShort(12, (short) cursig).putInt(32, pid);
      return note(1, d);
    }

    FakeCore prpsinfo(String fname, String psargs) {
      ByteBuffer d = desc(136);
      d.put(40, fname.getBytes(StandardCharsets.UTF_8));
      d.put(56, psargs.getBytes(StandardCharsets.UTF_8));
      return note(3, d);
    }

    FakeCore siginfo(int signo, int code) {
      ByteBuffer d = desc(128);
      d.putInt(0, signo).putInt(8, code);
      return note(0x53494749, d);
    }

    private static ByteBuffer desc(int size) {
      return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private FakeCore note(int type, ByteBuffer desc) {
      ByteBuffer n = ByteBuffer.allocate(12 + 8 + desc.capacity()).order(ByteOrder.LITTLE_ENDIAN);
      n.putInt(5)
          .putInt(desc.capacity())
          .putInt(type)
          .put("CORE\0\0\0\0".getBytes(StandardCharsets.US_ASCII));
      n.put(desc.array());
      notes.writeBytes(n.array());
      return this;
    }

    byte[] build() {
      byte[] n = notes.toByteArray();
      int noteOffset = 64 + 2 * 56;
      int memOffset = noteOffset + n.length;
      ByteBuffer b = ByteBuffer.allocate(memOffset + 4096).order(ByteOrder.LITTLE_ENDIAN);
      b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
      b.putShort(16, (short) 4).putShort(18, (short) 62).putInt(20, 1);
      b.putLong(32, 64).putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 2);
      b.putInt(64, 4).putLong(64 + 8, noteOffset).putLong(64 + 32, n.length);
      b.putInt(120, 1).putLong(120 + 8, memOffset).putLong(120 + 32, 4096).putLong(120 + 40, 4096);
      b.put(noteOffset, n);
      return b.array();
    }
  }
}
