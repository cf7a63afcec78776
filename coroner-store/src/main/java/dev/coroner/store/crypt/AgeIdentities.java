package dev.coroner.store.crypt;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The age X25519 identities ({@code AGE-SECRET-KEY-1...}) of one identity file, as {@code
 * age-keygen} writes it ({@code #} comments, one key a line). Secret: no key reaches {@code
 * toString}, a message or a log.
 */
public final class AgeIdentities {
  private final Path file;
  private final List<RecipientStanzaReader> readers;

  private AgeIdentities(Path file, List<RecipientStanzaReader> readers) {
    this.file = file;
    this.readers = readers;
  }

  /** A file that holds no identity this code can use; the message names the file, never a key. */
  public static final class BadIdentityException extends Exception {
    private static final long serialVersionUID = 1L;

    BadIdentityException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /** Reads the identities in {@code file}. */
  public static AgeIdentities read(Path file) throws BadIdentityException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new BadIdentityException("identity file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new BadIdentityException("cannot read identity file " + file + ": " + e, e);
    }
    List<RecipientStanzaReader> readers = new ArrayList<>();
    int n = 0;
    for (String line : lines) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (!t.startsWith("AGE-SECRET-KEY-1")) {
        throw new BadIdentityException(
            "line "
                + n
                + " of "
                + file
                + " is not an age X25519 identity (AGE-SECRET-KEY-1...; age-keygen writes them)",
            null);
      }
      try {
        readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(t));
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new BadIdentityException(
            "line " + n + " of " + file + " is not a valid age X25519 identity", e);
      }
    }
    if (readers.isEmpty()) {
      throw new BadIdentityException("no age identity in " + file, null);
    }
    return new AgeIdentities(file, List.copyOf(readers));
  }

  /** The file the identities came from, for messages. */
  public Path file() {
    return file;
  }

  /**
   * {@code in} (age ciphertext) decrypted as it is read. The header is read here: a file that is
   * not for these identities fails now with {@link BadIdentityException}; a payload tampered with
   * fails a later read with an {@link IOException}.
   */
  public InputStream decrypt(InputStream in) throws IOException, BadIdentityException {
    try {
      return Channels.newInputStream(
          new StandardDecryptingChannelFactory()
              .newDecryptingChannel(Channels.newChannel(in), readers));
    } catch (GeneralSecurityException e) {
      throw new BadIdentityException(
          "no identity in " + file + " is a recipient of this dump (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public String toString() {
    return "AgeIdentities[" + file + ", " + readers.size() + " key(s)]";
  }
}
