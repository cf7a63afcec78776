package dev.coroner.kube.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * The controller's answer to a download request; every field is null until it answers, and those
 * that do not apply to the answer stay null.
 *
 * @param phase {@link #READY} or {@link #FAILED}; none while the request waits
 * @param reason why it failed, a stable word ({@link #NOT_FOUND}, {@link #BAD_KEY}, {@link
 *     #NOT_IN_STORE}, {@link #STORE_FAILED}) that clients decide by; {@code message} is for people
 * @param message what happened, for a person
 * @param url the presigned URL (without a public key in the request)
 * @param encryptedUrl the URL encrypted to the request's public key (age, ASCII armor)
 * @param expiresAt when the URL dies (RFC 3339); the controller deletes the request then
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CoreDumpDownloadStatus(
    @Nullable String phase,
    @Nullable String reason,
    @Nullable String message,
    @Nullable String url,
    @Nullable String encryptedUrl,
    @Nullable String expiresAt) {
  /** The URL is in the status. */
  public static final String READY = "Ready";

  /** The request cannot be answered; {@code reason} and {@code message} say why. */
  public static final String FAILED = "Failed";

  /** No CoreDump of that name in the request's namespace. */
  public static final String NOT_FOUND = "NotFound";

  /** {@code spec.publicKey} is not an age X25519 recipient. */
  public static final String BAD_KEY = "BadKey";

  /** The CoreDump names an object outside the controller's store. */
  public static final String NOT_IN_STORE = "NotInStore";

  /** The store could not sign (credentials, configuration). */
  public static final String STORE_FAILED = "StoreFailed";

  /** A refusal or failure. */
  public static CoreDumpDownloadStatus failed(String reason, String message) {
    return new CoreDumpDownloadStatus(FAILED, reason, message, null, null, null);
  }

  /** Whether the controller has answered. */
  public boolean answered() {
    return READY.equals(phase) || FAILED.equals(phase);
  }
}
