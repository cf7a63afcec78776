package dev.coroner.capture.proc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContainerIdsTest {
  private static final String ID =
      "4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

  @Test
  void findsTheIdForEachRuntimeLayout() {
    assertThat(ContainerIds.fromCgroup("0::/kubepods/burstable/pod1234/" + ID + "\n")).contains(ID);
    assertThat(
            ContainerIds.fromCgroup(
                "0::/kubepods.slice/kubepods-pod12.slice/cri-containerd-" + ID + ".scope\n"))
        .contains(ID);
    assertThat(ContainerIds.fromCgroup("0::/kubepods.slice/crio-" + ID + ".scope")).contains(ID);
    assertThat(ContainerIds.fromCgroup("0::/system.slice/docker-" + ID + ".scope")).contains(ID);
    assertThat(ContainerIds.fromCgroup("12:memory:/docker/" + ID + "\n11:cpu:/docker/" + ID))
        .contains(ID);
  }

  @Test
  void hostProcessesHaveNone() {
    assertThat(ContainerIds.fromCgroup("0::/user.slice/user-0.slice/session-1.scope\n")).isEmpty();
    assertThat(ContainerIds.fromCgroup("0::/\n")).isEmpty();
    assertThat(ContainerIds.fromCgroup("")).isEmpty();
  }
}
