package dev.coroner.agent.trigger;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who the agent's triggers say asked for a snapshot ({@code spec.requester}): its service account,
 * {@code system:serviceaccount:NS:NAME}, the user the API server authenticates it as.
 */
final class Requester {
  /** When neither the environment nor the token says. */
  static final String FALLBACK = "coroner-agent";

  /** Where the kubelet mounts the pod's service account token. */
  static final Path TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private static final Pattern ACCOUNT =
      Pattern.compile(
          "system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?");
  private static final int TOKEN_LIMIT = 64 << 10;

  private Requester() {}

  /**
   * {@code fromEnvironment} (set from the downward API) if it names a service account; else the
   * token's subject (its claims are read, its signature is the API server's business, and the token
   * itself is never kept or logged); else {@link #FALLBACK}.
   */
  static String resolve(@Nullable String fromEnvironment, Path token) {
    if (fromEnvironment != null && ACCOUNT.matcher(fromEnvironment).matches()) {
      return fromEnvironment;
    }
    String subject = subject(token);
    return subject != null && ACCOUNT.matcher(subject).matches() ? subject : FALLBACK;
  }

  private static @Nullable String subject(Path token) {
    try {
      if (!Files.isRegularFile(token) || Files.size(token) > TOKEN_LIMIT) {
        return null;
      }
      String[] parts = Files.readString(token).trim().split("\\.");
      if (parts.length != 3) {
        return null;
      }
      byte[] claims = Base64.getUrlDecoder().decode(parts[1]);
      return new ObjectMapper().readTree(claims).path("sub").asText(null);
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }
}
