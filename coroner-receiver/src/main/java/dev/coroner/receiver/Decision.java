package dev.coroner.receiver;

import java.util.Objects;

/**
 * A handler's answer to a crash, given while the kernel waits for the ack: take the core, or reject
 * it (the task then dies without one).
 *
 * @param accepted whether to take the core
 * @param reason why it was rejected, for logs and metrics; empty when accepted
 */
public record Decision(boolean accepted, String reason) {
  private static final Decision ACCEPT = new Decision(true, "");

  public Decision {
    Objects.requireNonNull(reason, "reason");
  }

  /** Take the core. */
  public static Decision accept() {
    return ACCEPT;
  }

  /** Refuse the core, for {@code reason}. */
  public static Decision reject(String reason) {
    return new Decision(false, reason);
  }
}
