package dev.coroner.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** What a failed API call looks like in a log line, and which failures count as the same kind. */
class ApiFailuresTest {
  @Test
  void wrappedErrorsAreNamedAndUserInfoIsHidden() {
    KubernetesClientException e =
        new KubernetesClientException(
            "Operation: [get] for kind: [Pod] failed.",
            new IOException(
                null, new ConnectException("cannot reach https://admin:hunter2@10.0.0.1:6443/")));
    assertThat(ApiFailures.describe(e))
        .isEqualTo("ConnectException cannot reach https://***@10.0.0.1:6443/");
    assertThat(ApiFailures.kind(e)).isEqualTo("java.net.ConnectException");
  }

  @Test
  void apiRefusalsAreKeyedByStatus() {
    KubernetesClientException forbidden =
        new KubernetesClientException(
            new StatusBuilder().withCode(403).withMessage("pods \"db-0\" is forbidden").build());
    assertThat(ApiFailures.describe(forbidden)).isEqualTo("HTTP 403 pods \"db-0\" is forbidden");
    assertThat(ApiFailures.kind(forbidden)).isEqualTo("HTTP 403");

    ApiFailures failures = new ApiFailures();
    assertThat(failures.first(forbidden)).isTrue();
    assertThat(failures.first(forbidden)).isFalse();
    assertThat(failures.first(new KubernetesClientException("x", new ConnectException()))).isTrue();
  }
}
