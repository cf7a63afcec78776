package dev.coroner.store;

import dev.coroner.base.files.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Writes a dump fetched from a store: through {@code TARGET.partial} (0600, cores hold secrets),
 * reporting progress, renamed into place only if every byte arrived ({@link AtomicFiles}).
 */
public final class Transfers {
  private Transfers() {}

  /** Copies {@code total} bytes from {@code in} into {@code target}. */
  public static void receive(InputStream in, long total, Path target, TransferListener listener)
      throws IOException {
    AtomicFiles.write(
        target,
        AtomicFiles.PRIVATE_FILE,
        out -> {
          long done = 0;
          byte[] buf = new byte[1 << 20];
          for (int n = in.read(buf); n > 0; n = in.read(buf)) {
            out.write(buf, 0, n);
            done += n;
            listener.progress(done, total);
          }
          if (done != total) {
            throw new IOException("the transfer ended early: " + done + " of " + total + " bytes");
          }
        });
  }
}
