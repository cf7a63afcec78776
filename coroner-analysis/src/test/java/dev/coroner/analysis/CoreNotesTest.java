package dev.coroner.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreNotesTest {
  @TempDir Path tmp;

  @Test
  void theFirstThreadNoteIsTheCrashingThread() throws IOException {
    Path core =
        new SyntheticElf()
            .process(8853)
            .thread(8856, 11)
            .thread(8853, 11)
            .thread(8854, 11)
            .files("/opt/app/segv", "/opt/app/segv", "/usr/lib/x86_64-linux-gnu/libc.so.6")
            .write(tmp.resolve("core"));
    CoreNotes notes = CoreNotes.read(core);
    assertThat(notes.pid()).isEqualTo(8853);
    assertThat(notes.crashingTid()).isEqualTo(8856);
    assertThat(notes.signal()).isEqualTo(11);
    assertThat(notes.threads()).isEqualTo(3);
    assertThat(notes.files())
        .containsExactly("/opt/app/segv", "/usr/lib/x86_64-linux-gnu/libc.so.6");
  }

  @Test
  void notesOfOtherOwnersAreIgnored() throws IOException {
    Path core =
        new SyntheticElf()
            .note("LINUX", ElfNotes.NT_PRSTATUS, new byte[400])
            .thread(42, 6)
            .write(tmp.resolve("core"));
    CoreNotes notes = CoreNotes.read(core);
    assertThat(notes.crashingTid()).isEqualTo(42);
    assertThat(notes.signal()).isEqualTo(6);
    assertThat(notes.files()).isEmpty();
  }

  @Test
  void notACore() throws IOException {
    Path text = Files.writeString(tmp.resolve("text"), "hello, this is no ELF file at all.....");
    assertThatThrownBy(() -> CoreNotes.read(text))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an ELF");
    Path exe = new SyntheticElf().buildId("ab").write(tmp.resolve("exe"));
    assertThatThrownBy(() -> CoreNotes.read(exe)).hasMessageContaining("no NT_PRSTATUS");
    Path empty = Files.write(tmp.resolve("empty"), new byte[0]);
    assertThatThrownBy(() -> CoreNotes.read(empty)).isInstanceOf(IOException.class);
  }

  @Test
  void aTruncatedNoteSegmentKeepsTheNotesBeforeTheCut() throws IOException {
    byte[] whole = new SyntheticElf().thread(7, 11).thread(8, 11).bytes();
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 100);
    Path core = Files.write(tmp.resolve("core"), cut);
    assertThat(CoreNotes.read(core).crashingTid()).isEqualTo(7);
  }

  @Test
  void theBuildIdOfAnExecutable() throws IOException {
    Path exe =
        new SyntheticElf()
            .buildId("d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f")
            .write(tmp.resolve("exe"));
    assertThat(ElfNotes.buildId(exe)).isEqualTo("d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f");
    assertThat(ElfNotes.buildId(new SyntheticElf().write(tmp.resolve("none")))).isNull();
  }
}
