package dev.coroner.cli.dumps;

import dev.coroner.cli.errors.CliException;
import dev.coroner.store.Store;
import dev.coroner.store.crypt.AgeIdentities;
import dev.coroner.store.crypt.DecryptingStore;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code --identity}: the age identity that decrypts dumps encrypted at rest. */
public final class IdentityOptions {
  @Option(
      names = "--identity",
      paramLabel = "FILE",
      description =
          "An age identity file (AGE-SECRET-KEY-1..., from age-keygen) for dumps encrypted at"
              + " rest (NAME.zip.age), one key a line.")
  @Nullable Path identity;

  /** {@code store}, reading encrypted dumps with the identity if one was given. */
  public Store wrap(Store store) {
    Path file = identity;
    if (file == null) {
      return DecryptingStore.of(store, null);
    }
    try {
      return DecryptingStore.of(store, AgeIdentities.read(file));
    } catch (AgeIdentities.BadIdentityException e) {
      store.close();
      throw new CliException(CliException.USAGE, e.getMessage() + "; check --identity");
    }
  }
}
