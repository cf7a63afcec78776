package dev.coroner.snapshot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CoreNotesTest {
  record Note(String name, int type, byte[] desc) {}

  static List<Note> parse(byte[] notes) {
    ByteBuffer b = ByteBuffer.wrap(notes).order(ByteOrder.LITTLE_ENDIAN);
    List<Note> out = new ArrayList<>();
    while (b.remaining() >= 12) {
      int namesz = b.getInt();
      int descsz = b.getInt();
      int type = b.getInt();
      byte[] name = new byte[namesz];
      b.get(name);
      b.position((b.position() + 3) & ~3);
      byte[] desc = new byte[descsz];
      b.get(desc);
      b.position((b.position() + 3) & ~3);
      out.add(new Note(new String(name, 0, namesz - 1, StandardCharsets.US_ASCII), type, desc));
    }
    return out;
  }

  private static ThreadRegisters regs(int tid, long rip) {
    byte[] g =
        ThreadRegisters.with(new byte[ThreadRegisters.GENERAL_SIZE], ThreadRegisters.RIP, rip);
    return new ThreadRegisters(tid, g, new byte[512], new byte[2432]);
  }

  @Test
  void theKernelsOrderAndLayouts() {
    var t1 = new CoreNotes.Thread(regs(100, 0x1234), new ThreadInfo(1, 0, 1, 1, 0, 0, 250, 5));
    var t2 = new CoreNotes.Thread(regs(101, 0x5678), new ThreadInfo(2, 0, 1, 1, 0, 0, 0, 0));
    var process = new ProcessInfo('S', 0, 0x400000, 1000, 1000, 1, 0, 1, 1, "node", "node app.js");
    var file = new Mapping(0x400000, 0x401000, "r--p", 0x2000, 7, "/usr/bin/node", Set.of(), 0, 0);
    List<Note> notes =
        parse(CoreNotes.build(List.of(t1, t2), process, new byte[] {1, 2, 3, 4}, List.of(file)));
    assertThat(notes)
        .extracting(Note::type)
        .containsExactly(
            CoreNotes.NT_PRSTATUS,
            CoreNotes.NT_PRPSINFO,
            CoreNotes.NT_AUXV,
            CoreNotes.NT_FILE,
            CoreNotes.NT_PRFPREG,
            CoreNotes.NT_X86_XSTATE,
            CoreNotes.NT_PRSTATUS,
            CoreNotes.NT_PRFPREG,
            CoreNotes.NT_X86_XSTATE);
    assertThat(notes.get(5).name()).isEqualTo("LINUX");
    assertThat(notes.get(0).name()).isEqualTo("CORE");
    ByteBuffer pr = ByteBuffer.wrap(notes.get(0).desc()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(notes.get(0).desc()).hasSize(336);
    assertThat(pr.getInt(32)).isEqualTo(1); // pr_pid: the id in the process's namespace
    assertThat(pr.getLong(48)).isEqualTo(2); // utime 250 ticks = 2.5 s
    assertThat(pr.getLong(56)).isEqualTo(500_000);
    assertThat(pr.getLong(112 + 8 * ThreadRegisters.RIP)).isEqualTo(0x1234);
    assertThat(pr.getInt(328)).isEqualTo(1);
    ByteBuffer pr2 = ByteBuffer.wrap(notes.get(6).desc()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(pr2.getLong(112 + 8 * ThreadRegisters.RIP)).isEqualTo(0x5678);
    byte[] ps = notes.get(1).desc();
    assertThat(ps).hasSize(136);
    assertThat(new String(ps, 40, 4, StandardCharsets.US_ASCII)).isEqualTo("node");
    ByteBuffer f = ByteBuffer.wrap(notes.get(3).desc()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(f.getLong(0)).isEqualTo(1);
    assertThat(f.getLong(8)).isEqualTo(4096);
    assertThat(f.getLong(16)).isEqualTo(0x400000);
    assertThat(f.getLong(32)).isEqualTo(2); // file offset in pages
    assertThat(new String(notes.get(3).desc(), 40, 13, StandardCharsets.US_ASCII))
        .isEqualTo("/usr/bin/node");
  }
}
