package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** The API's answers as the CLI's messages and exit codes. */
class KubeErrorsTest {
  private static final String WHERE = "context 'prod' (https://api.example.com/)";

  @Test
  void forbiddenNamesTheRolesAndExits4() {
    CliException e = of(403, "pods is forbidden: User \"dev\" cannot create resource \"pods\"");
    assertThat(e.exitCode()).isEqualTo(CliException.UNREACHABLE);
    assertThat(e.getMessage())
        .startsWith("forbidden to create pod shop/x: pods is forbidden: User \"dev\"")
        .contains("pods create/get/list/watch/delete and pods/exec create")
        .contains("kubectl auth can-i create pods -n shop");
  }

  @Test
  void unauthorisedAsksToLogInAgain() {
    CliException e = of(401, "Unauthorized");
    assertThat(e.exitCode()).isEqualTo(CliException.UNREACHABLE);
    assertThat(e.getMessage()).contains("did not accept your credentials").contains(WHERE);
  }

  @Test
  void aMissingNamespaceIsNotFound() {
    CliException e = of(404, "namespaces \"shop\" not found");
    assertThat(e.exitCode()).isEqualTo(CliException.NOT_FOUND);
    assertThat(e.getMessage()).contains("namespaces \"shop\" not found").contains("-n NAMESPACE");
  }

  @Test
  void anAdmissionRefusalIsAFailureWithTheServersWords() {
    CliException e = of(422, "admission webhook \"policy\" denied the request: no hostPath");
    assertThat(e.exitCode()).isEqualTo(CliException.FAILURE);
    assertThat(e.getMessage()).contains("(422): admission webhook \"policy\" denied");
  }

  @Test
  void noAnswerIsUnreachableInWords() {
    KubernetesClientException refused =
        new KubernetesClientException("An error has occurred.", new ConnectException());
    CliException e = KubeErrors.of(refused, "create pod shop/x", "shop", WHERE);
    assertThat(e.exitCode()).isEqualTo(CliException.UNREACHABLE);
    assertThat(e.getMessage())
        .contains("cannot reach the cluster at " + WHERE)
        .contains("connection refused or timed out")
        .contains("kubectl config current-context")
        .doesNotContain("ConnectException");
  }

  private static CliException of(int code, String message) {
    KubernetesClientException e =
        new KubernetesClientException(
            new StatusBuilder().withCode(code).withMessage(message).build());
    return KubeErrors.of(e, "create pod shop/x", "shop", WHERE);
  }
}
