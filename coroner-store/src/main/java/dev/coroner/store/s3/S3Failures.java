package dev.coroner.store.s3;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns the SDK's exceptions into typed store failures, in one place. Messages say what happened in
 * S3's terms; the front-ends add what to do.
 */
final class S3Failures {
  private final String url;
  private final String endpoint;

  S3Failures(String url, String endpoint) {
    this.url = url;
    this.endpoint = endpoint;
  }

  StoreException of(String what, SdkException e) {
    if (e instanceof NoSuchBucketException) {
      return new StoreException(
          StoreFailure.NO_STORE, "the bucket of " + url + " does not exist (" + what + ")", e);
    }
    if (e instanceof NoSuchKeyException) {
      return new StoreException(StoreFailure.NOT_FOUND, "no object for " + what, e);
    }
    if (e instanceof S3Exception s3) {
      int status = s3.statusCode();
      String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
      if (status == 401 || status == 403) {
        return new StoreException(
            StoreFailure.AUTH,
            "access denied to " + url + " (" + what + (code == null ? "" : ": " + code) + ")",
            e);
      }
      if (status == 404 && "NoSuchBucket".equals(code)) {
        return new StoreException(
            StoreFailure.NO_STORE, "the bucket of " + url + " does not exist (" + what + ")", e);
      }
      if (status == 404) {
        return new StoreException(StoreFailure.NOT_FOUND, "no object for " + what, e);
      }
      return new StoreException(
          StoreFailure.OTHER,
          "S3 answered " + status + (code == null ? "" : " " + code) + " to " + what,
          e);
    }
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return unreachable(what, "no answer in time", e);
    }
    if (e instanceof SdkClientException) {
      return unreachable(what, firstLine(e.getMessage()), e);
    }
    return new StoreException(
        StoreFailure.OTHER, "cannot " + what + ": " + firstLine(e.getMessage()), e);
  }

  StoreException unreachable(String what, String detail, Throwable e) {
    return new StoreException(
        StoreFailure.UNREACHABLE,
        "cannot reach S3 at " + endpoint + " for " + url + " (" + what + "): " + detail,
        e);
  }

  /** The SDK's messages can run to kilobytes (the credential chain); the first line says it. */
  static String firstLine(@Nullable String message) {
    if (message == null) {
      return "no detail";
    }
    int nl = message.indexOf('\n');
    String line = nl < 0 ? message : message.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
