package dev.coroner.base.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindTest {
  @TempDir Path dir;

  @Test
  void writesEveryByteInOrderAndFlushWaitsForThem() throws Exception {
    byte[] data = new byte[WriteBehind.BUFFER * 7 + 12_345];
    new Random(7).nextBytes(data);
    Path file = dir.resolve("out");
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      WriteBehind out = new WriteBehind(ch);
      out.write(data[0]);
      // Odd sizes, across buffer boundaries, as zstd and the zip hand them over.
      int at = 1;
      for (int step = 1; at < data.length; step = step * 3 % 1_000_003 + 17) {
        int n = Math.min(step, data.length - at);
        out.write(data, at, n);
        at += n;
      }
      out.flush();
      // flush() returns only once the thread wrote everything: the file has it now.
      assertThat(ch.size()).isEqualTo(data.length);
      out.write(data, 0, 10);
      out.close();
      assertThat(ch.isOpen()).as("the owner closes the channel").isTrue();
      assertThat(ch.size()).isEqualTo(data.length + 10L);
    }
    byte[] read = Files.readAllBytes(file);
    assertThat(java.util.Arrays.copyOf(read, data.length)).isEqualTo(data);
  }

  @Test
  void aFailedWriteIsThrownByTheNextCallAndCloseStillEnds() throws Exception {
    Path file = Files.createFile(dir.resolve("ro"));
    try (FileChannel readOnly = FileChannel.open(file, StandardOpenOption.READ)) {
      WriteBehind out = new WriteBehind(readOnly);
      out.write(new byte[WriteBehind.BUFFER]); // a full buffer: handed to the thread, which fails
      assertThatThrownBy(out::flush)
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("cannot write the dump file");
      // Later writes fail too, instead of waiting for buffers that never come back.
      assertThatThrownBy(() -> out.write(new byte[WriteBehind.BUFFER * 4]))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(out::close).isInstanceOf(IOException.class);
      out.close(); // once closed, a second close does nothing
    }
    assertThat(Files.size(file)).isZero();
  }

  @Test
  void anInterruptedCallerStillFinishesTheFileAndKeepsItsInterrupt() throws Exception {
    Path file = dir.resolve("out");
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      WriteBehind out = new WriteBehind(ch);
      out.write(new byte[WriteBehind.BUFFER * 2 + 1]);
      Thread.currentThread().interrupt(); // as the capture's watchdog may have done
      try {
        out.close();
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(ch.isOpen()).isTrue();
      assertThat(ch.size()).isEqualTo(WriteBehind.BUFFER * 2 + 1L);
    }
  }
}
