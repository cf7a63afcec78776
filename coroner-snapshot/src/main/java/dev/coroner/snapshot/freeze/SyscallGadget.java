package dev.coroner.snapshot.freeze;

import dev.coroner.snapshot.core.Mapping;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds a {@code syscall} instruction (0f 05) in the target's own executable memory, preferably the
 * vDSO, which every process has: pointing a stopped thread's rip there runs one system call in the
 * process without writing a byte of its code.
 */
final class SyscallGadget {
  private SyscallGadget() {}

  /**
   * The address, or empty when none is found.
   *
   * @throws java.nio.file.AccessDeniedException when this user may not read the process's memory
   */
  static Optional<Long> find(Path procRoot, int pid) throws java.nio.file.AccessDeniedException {
    Path dir = procRoot.resolve(Integer.toString(pid));
    List<Mapping> candidates = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("maps"))) {
        List<Mapping> m = Mapping.parseSmaps(line);
        if (m.isEmpty() || !m.get(0).executable() || m.get(0).vsyscall()) {
          continue;
        }
        if (m.get(0).path().equals("[vdso]")) {
          candidates.add(0, m.get(0));
        } else if (m.get(0).path().contains("libc")) {
          candidates.add(m.get(0));
        }
      }
    } catch (java.nio.file.AccessDeniedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    try (FileChannel mem = FileChannel.open(dir.resolve("mem"), StandardOpenOption.READ)) {
      // A process this user may not trace: its memory may not be read either.
      for (Mapping m : candidates) {
        int size = (int) Math.min(m.size(), 1 << 20);
        ByteBuffer b = ByteBuffer.allocate(size);
        while (b.hasRemaining() && mem.read(b, m.start() + b.position()) > 0) {
          // read the rest
        }
        byte[] code = b.array();
        for (int i = 0; i + 1 < b.position(); i++) {
          if (code[i] == 0x0f && code[i + 1] == 0x05) {
            return Optional.of(m.start() + i);
          }
        }
      }
    } catch (java.nio.file.AccessDeniedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
