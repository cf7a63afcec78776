package dev.coroner.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a dump fetched from a store: into {@code TARGET.partial} (0600, cores hold secrets),
 * reporting progress, then renamed into place only if every byte arrived.
 */
final class Downloads {
  private Downloads() {}

  static void receive(InputStream in, long total, Path target, TransferListener listener)
      throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".partial");
    try {
      Files.deleteIfExists(tmp);
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      long done = 0;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[1 << 20];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
          out.write(buf, 0, n);
          done += n;
          listener.progress(done, total);
        }
      }
      if (done != total) {
        throw new IOException("the transfer ended early: " + done + " of " + total + " bytes");
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
