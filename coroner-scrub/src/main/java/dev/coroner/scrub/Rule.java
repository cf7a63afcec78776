package dev.coroner.scrub;

import org.jspecify.annotations.Nullable;

/**
 * A built-in scrubbing rule. Its {@link #id()} is stable: reports and dump-info name rules by it.
 */
public enum Rule {
  /** Payment card numbers: brand prefix and length rules plus a Luhn check. */
  CARD("card"),
  /** AWS access key ids: AKIA, ASIA, ABIA, ACCA or A3T followed by 16 more characters. */
  AWS_ACCESS_KEY_ID("aws-access-key-id"),
  /** 40-character AWS secret keys right after {@code aws_secret_access_key} or similar. */
  AWS_SECRET_KEY("aws-secret-key"),
  /** JSON Web Tokens, Kubernetes service-account tokens among them. */
  JWT("jwt"),
  /** PEM private key blocks, from BEGIN to END. */
  PEM_PRIVATE_KEY("pem-private-key"),
  /** The token after {@code Bearer}. */
  BEARER("bearer"),
  /** The {@code user:pass} of {@code scheme://user:pass@host}. */
  URL_CREDENTIALS("url-credentials"),
  /**
   * Values the caller passes, such as secret-looking environment variables: the whole value, and
   * any piece of it of at least 12 characters (runtimes keep pieces of strings).
   */
  ENV_SECRET("env-secret"),
  /**
   * Text in a core's registers (notes NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE): a string being
   * copied or compared sits in vector registers 16 bytes at a time, where no other rule can tell a
   * piece of a secret from the rest.
   */
  REGISTER_TEXT("register-text");

  private final String id;

  Rule(String id) {
    this.id = id;
  }

  /** The rule's stable name in reports. */
  public String id() {
    return id;
  }

  /** The rule with this id, or null. */
  public static @Nullable Rule byId(String id) {
    for (Rule r : values()) {
      if (r.id.equals(id)) {
        return r;
      }
    }
    return null;
  }
}
