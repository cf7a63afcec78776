package dev.coroner.store.crypt;

import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The public keys a dump is encrypted to: age X25519 recipients ({@code age1...}, Bech32). Public
 * keys only: nodes never hold an identity, so a node that is taken cannot read what it uploaded.
 */
public record AgeRecipients(List<String> keys) {
  private static final Pattern FORM = Pattern.compile("age1[02-9ac-hj-np-z]{58}");

  public AgeRecipients {
    keys = List.copyOf(keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no recipient");
    }
    for (String k : keys) {
      if (!FORM.matcher(k).matches()) {
        throw new IllegalArgumentException(
            "'" + k + "' is not an age X25519 recipient (age1 and 58 Bech32 characters)");
      }
      try {
        X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(k);
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException(
            "'" + k + "' is not an age X25519 recipient: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Parses a list separated by spaces or {@code +} (one namespace may have several recipients).
   *
   * @throws IllegalArgumentException naming the first bad key
   */
  public static AgeRecipients parse(String text) {
    List<String> keys = new ArrayList<>();
    for (String k : text.trim().split("[\\s+]+")) {
      if (!k.isEmpty()) {
        keys.add(k);
      }
    }
    return new AgeRecipients(keys);
  }

  List<RecipientStanzaWriter> writers() throws GeneralSecurityException {
    List<RecipientStanzaWriter> w = new ArrayList<>();
    for (String k : keys) {
      w.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(k));
    }
    return w;
  }
}
