package dev.coroner.agent.seal;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.crypt.AgeRecipients;
import java.util.Map;
import java.util.Optional;

/**
 * Which age recipients a dump is encrypted to before upload: its namespace's, else the default;
 * none (not encrypted) when neither is set or the namespace says {@code none}. Public keys only.
 *
 * @param defaults {@code CORONER_ENCRYPT_RECIPIENTS}; empty: none
 * @param namespaces {@code CORONER_ENCRYPT_NAMESPACES}: namespace to recipients, empty for {@code
 *     none}
 */
public record EncryptionPolicy(
    Optional<AgeRecipients> defaults, Map<String, Optional<AgeRecipients>> namespaces) {
  public EncryptionPolicy {
    namespaces = Map.copyOf(namespaces);
  }

  /** No encryption anywhere. */
  public static EncryptionPolicy none() {
    return new EncryptionPolicy(Optional.empty(), Map.of());
  }

  /** The recipients for {@code info}'s dump, if it is to be encrypted. */
  public Optional<AgeRecipients> recipients(DumpInfo info) {
    Optional<AgeRecipients> ns = namespaces.get(ScrubPolicy.namespaceOf(info));
    return ns != null ? ns : defaults;
  }

  /** Whether any dump is encrypted. */
  public boolean any() {
    return defaults.isPresent() || namespaces.values().stream().anyMatch(Optional::isPresent);
  }
}
