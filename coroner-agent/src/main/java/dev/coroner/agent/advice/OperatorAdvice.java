package dev.coroner.agent.advice;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;

/**
 * What an operator of the agent should check when the store or node setup fails, in the agent's own
 * terms: its environment variables and the chart values that set them.
 */
public final class OperatorAdvice {
  private OperatorAdvice() {}

  /** The advice for a failure kind. */
  public static String of(StoreFailure failure) {
    return switch (failure) {
      case CONFIG ->
          "check CORONER_STORE (chart: store.url) and the region, CORONER_S3_REGION or AWS_REGION"
              + " (chart: store.region)";
      case AUTH ->
          "check the credentials: the Secret named by credentials.existingSecret"
              + " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the IAM role (credentials.irsa)";
      case NO_STORE -> "create the bucket, or correct CORONER_STORE (chart: store.url)";
      case UNREACHABLE ->
          "check AWS_ENDPOINT_URL_S3 (chart: store.endpoint) and the node's network path to it";
      case INTEGRITY ->
          "the store kept something other than what was sent; the dump stays on the node and is"
              + " retried";
      case NOT_FOUND -> "the object went away meanwhile; the dump stays on the node and is retried";
      case PERMISSION, LOCAL_IO ->
          "check the dump directory CORONER_DUMP_DIR (chart: node.dumpDir): its disk and its"
              + " permissions";
      case KEY ->
          "check CORONER_ENCRYPT_RECIPIENTS (chart: encryption.recipients): age X25519 public"
              + " keys, age1...";
      case OTHER -> "the dump stays on the node and is retried";
    };
  }

  /** A node setup failure's message, naming the variable that sets what is to blame. */
  public static String explain(dev.coroner.node.InstallException e) {
    return e.getMessage()
        + e.setting()
            .map(
                s ->
                    switch (s) {
                      case PREFIX -> " (CORONER_PREFIX; chart: node.prefix)";
                      case JAVA_HOME -> " (the JDK in the agent's image)";
                    })
            .orElse("");
  }

  /** The failure's message followed by its advice. */
  public static String explain(StoreException e) {
    return e.getMessage() + "; " + of(e.failure());
  }
}
