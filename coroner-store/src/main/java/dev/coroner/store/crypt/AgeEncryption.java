package dev.coroner.store.crypt;

import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import dev.coroner.base.files.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;

/**
 * Encrypts a file in the age v1 format (C2SP age.md): a fresh file key wrapped to each X25519
 * recipient in the header, the payload in ChaCha20-Poly1305 STREAM chunks of 64 KiB. The standard
 * {@code age -d -i KEY} decrypts it to the exact bytes.
 */
public final class AgeEncryption {
  /** The suffix of an encrypted object or file. */
  public static final String SUFFIX = ".age";

  /** What {@code format} says in dump-info's {@code encryption}. */
  public static final String FORMAT = "age";

  private AgeEncryption() {}

  /**
   * Writes {@code source} encrypted to {@code recipients} as {@code target} (0600, through a
   * partial, synced); {@code target} is untouched on failure.
   */
  public static Path encrypt(Path source, Path target, AgeRecipients recipients)
      throws IOException {
    Path partial = AtomicFiles.partialOf(target);
    Files.deleteIfExists(partial);
    boolean done = false;
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = AtomicFiles.create(partial, AtomicFiles.PRIVATE_FILE)) {
      try (WritableByteChannel enc =
          new StandardEncryptingChannelFactory()
              .newEncryptingChannel(nonClosing(out), recipients.writers())) {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        while (in.read(buf) >= 0) {
          buf.flip();
          while (buf.hasRemaining()) {
            enc.write(buf);
          }
          buf.clear();
        }
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot encrypt " + source.getFileName() + ": " + e.getMessage(), e);
      }
      out.force(true);
      AtomicFiles.publish(partial, target);
      done = true;
      return target;
    } finally {
      if (!done) {
        Files.deleteIfExists(partial);
      }
    }
  }

  /** The encrypting channel closes what it wraps; the file is closed (and synced) here. */
  private static WritableByteChannel nonClosing(FileChannel ch) {
    return new WritableByteChannel() {
      private boolean open = true;

      @Override
      public int write(ByteBuffer src) throws IOException {
        return ch.write(src);
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        open = false;
      }
    };
  }
}
