package dev.coroner.cli.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import org.junit.jupiter.api.Test;

/**
 * How a debug pod's status reads: progress, readiness, and failures in words the user can act on.
 */
class PodStateTest {
  private static final String APP = Fixtures.APP_DIGEST;
  private static final String DEBUG = "ghcr.io/coroner-dev/coroner-debug-nodejs:0.1.0";

  @Test
  void aNewPodWaitsForANode() {
    PodState s =
        PodState.of(new PodBuilder().withNewMetadata().withName("p").endMetadata().build());
    assertThat(s.progress()).isEmpty();
    assertThat(pending(s).waitingFor()).isEqualTo(new PodState.Node(null, null));
    assertThat(pending(s).waitingFor().describe()).contains("a node");
  }

  @Test
  void unschedulableKeepsWaitingWithTheSchedulersMessage() {
    Pod pod =
        pod(
            new PodStatusBuilder()
                .withPhase("Pending")
                .withConditions(
                    Kubelet.condition(
                        "PodScheduled", "False", "Unschedulable", "0/3 nodes are available"))
                .build());
    PodState s = PodState.of(pod);
    PodState.Wait wait = pending(s).waitingFor();
    assertThat(wait).isEqualTo(new PodState.Node("Unschedulable", "0/3 nodes are available"));
    assertThat(((PodState.Node) wait).unschedulable()).isTrue();
    assertThat(wait.describe()).isEqualTo("a node: Unschedulable: 0/3 nodes are available");
  }

  @Test
  void aDistrolessAppImageIsRecognisedAndTheWayOutNamed() {
    PodState s =
        PodState.of(
            pod(
                scheduled()
                    .withInitContainerStatuses(
                        terminated(
                            "exe",
                            APP,
                            128,
                            "StartError",
                            "failed to create containerd task: exec: \"cp\": executable file not"
                                + " found in $PATH: unknown"))
                    .build()));
    assertThat(failed(s).exitCode()).isEqualTo(128);
    assertThat(failed(s).container()).isEqualTo("exe");
    assertThat(failed(s).hint()).startsWith("The image " + APP + " has no 'cp'");
    assertThat(failed(s).problem())
        .contains("container 'exe' failed (exit 128, StartError)")
        .contains("has no 'cp' (a distroless or scratch image?)")
        .contains("pass -i with an image that holds the same executable");
  }

  @Test
  void aMissingExecutableSuggestsExe() {
    PodState s =
        PodState.of(
            pod(
                scheduled()
                    .withInitContainerStatuses(
                        terminated(
                            "exe",
                            APP,
                            1,
                            "Error",
                            "cp: cannot stat '/usr/bin/node': No such file or directory\n"))
                    .build()));
    assertThat(failed(s).problem())
        .contains("cp: cannot stat '/usr/bin/node'")
        .contains("pass --exe with its path in the image");
  }

  @Test
  void aFailedFetchCarriesItsMessage() {
    PodState s =
        PodState.of(
            pod(
                scheduled()
                    .withInitContainerStatuses(
                        terminated("exe", APP, 0, "Completed", null),
                        terminated(
                            "fetch",
                            DEBUG,
                            1,
                            "Error",
                            "coroner fetch: the core does not match its sha256 (expected a, got b):"
                                + " the dump is damaged"))
                    .build()));
    assertThat(s.progress()).contains("exe: done");
    assertThat(failed(s).exitCode()).isEqualTo(1);
    assertThat(failed(s).hint()).isNull();
    assertThat(failed(s).problem())
        .startsWith(
            "container 'fetch' failed (exit 1, Error): coroner fetch: the core does not match");
  }

  @Test
  void pullErrorsNameTheImageAndTheLikelyCause() {
    PodState unauthorized =
        PodState.of(
            pod(
                scheduled()
                    .withInitContainerStatuses(
                        waiting(
                            "exe",
                            APP,
                            "ErrImagePull",
                            "failed to pull: 401 Unauthorized: authentication required"))
                    .build()));
    assertThat(failed(unauthorized).exitCode()).isNull();
    assertThat(failed(unauthorized).problem())
        .contains("cannot pull image " + APP + " for container 'exe' (ErrImagePull: failed to pull")
        .contains("--image-pull-secret")
        .contains("-i IMAGE");

    PodState debugImage =
        PodState.of(
            pod(
                scheduled()
                    .withInitContainerStatuses(
                        terminated("exe", APP, 0, "Completed", null),
                        waiting("fetch", DEBUG, "ImagePullBackOff", "manifest unknown"))
                    .build()));
    assertThat(failed(debugImage).problem())
        .contains("cannot pull image " + DEBUG)
        .contains("does not exist")
        .contains("--debug-image");
  }

  @Test
  void theDeadlineAndEvictionEndThePod() {
    PodState deadline =
        PodState.of(
            pod(new PodStatusBuilder().withPhase("Failed").withReason("DeadlineExceeded").build()));
    assertThat(failed(deadline).container()).isNull();
    assertThat(failed(deadline).problem()).contains("deadline (--deadline)");
    PodState evicted =
        PodState.of(
            pod(
                new PodStatusBuilder()
                    .withPhase("Failed")
                    .withReason("Evicted")
                    .withMessage("Pod ephemeral local storage usage exceeds the total limit")
                    .build()));
    assertThat(failed(evicted).problem()).contains("Evicted: Pod ephemeral local storage usage");
  }

  @Test
  void readyWhenRunningAndReady() {
    PodState s =
        PodState.of(
            pod(
                scheduled()
                    .withPhase("Running")
                    .addToConditions(Kubelet.condition("Ready", "True", null, null))
                    .withInitContainerStatuses(
                        terminated("exe", APP, 0, "Completed", null),
                        terminated("fetch", DEBUG, 0, "Completed", null))
                    .withContainerStatuses(
                        new ContainerStatusBuilder()
                            .withName("debug")
                            .withImage(DEBUG)
                            .withReady(true)
                            .withNewState()
                            .withNewRunning()
                            .endRunning()
                            .endState()
                            .build())
                    .build()));
    assertThat(s).isInstanceOf(PodState.Ready.class);
    assertThat(s.progress())
        .containsExactly(
            "Scheduled on node node-1", "exe: done", "fetch: done", "debug: running", "Ready");
  }

  private static PodState.Pending pending(PodState s) {
    assertThat(s).isInstanceOf(PodState.Pending.class);
    return (PodState.Pending) s;
  }

  private static PodState.Failed failed(PodState s) {
    assertThat(s).isInstanceOf(PodState.Failed.class);
    return (PodState.Failed) s;
  }

  private static PodStatusBuilder scheduled() {
    return new PodStatusBuilder()
        .withPhase("Pending")
        .withConditions(Kubelet.condition("PodScheduled", "True", null, null));
  }

  private static Pod pod(io.fabric8.kubernetes.api.model.PodStatus status) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("coroner-debug-a686e8f6-x7k2p")
        .withNamespace("shop")
        .endMetadata()
        .withNewSpec()
        .withNodeName("node-1")
        .endSpec()
        .withStatus(status)
        .build();
  }

  private static ContainerStatus waiting(String name, String image, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withImage(image)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .endState()
        .build();
  }

  private static ContainerStatus terminated(
      String name, String image, int code, String reason, String message) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withImage(image)
        .withNewState()
        .withNewTerminated()
        .withExitCode(code)
        .withReason(reason)
        .withMessage(message)
        .endTerminated()
        .endState()
        .build();
  }
}
