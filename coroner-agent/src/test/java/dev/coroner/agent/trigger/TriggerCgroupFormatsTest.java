package dev.coroner.agent.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup files as the kernel writes them (v2 laid out in a directory of the test's: this
 * machine's mount is v1; v1 is read from the real kernel in {@link TriggerMemoryTest} and {@link
 * TriggerCpuTest}), the runtime's cgroupsPath forms, and paths that must not be followed.
 */
class TriggerCgroupFormatsTest {
  static final String ID = TestPods.containerId("web-1");

  @TempDir Path root;

  Path files(Path dir, Map<String, String> files) throws IOException {
    Files.createDirectories(dir);
    for (var e : files.entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue());
    }
    return dir;
  }

  /** A unified mount with one container's cgroup, as containerd's systemd driver lays it out. */
  Path v2(String memoryMax, String cpuMax) throws IOException {
    Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
    return files(
        root.resolve(
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-"
                + ID
                + ".scope"),
        Map.of(
            "memory.current", "251658240\n",
            "memory.stat",
                "anon 230686720\nfile 20971520\nactive_file 8388608\ninactive_file 12582912\n",
            "memory.max", memoryMax + "\n",
            "cpu.stat", "usage_usec 8123456\nuser_usec 6000000\nsystem_usec 2123456\n",
            "cpu.max", cpuMax + "\n"));
  }

  @Test
  void v2WorkingSetIsCurrentMinusInactiveFile() throws IOException {
    Path dir = v2("268435456", "50000 100000");
    ContainerCgroup cg = new ContainerCgroup.V2(dir);
    assertThat(cg.memory().workingSet()).isEqualTo(251658240L - 12582912L);
    assertThat(cg.memory().limit()).hasValue(256L << 20);
    assertThat(cg.cpu().usageMicros()).isEqualTo(8123456L);
    assertThat(cg.cpu().quotaCpus()).isEqualTo(0.5);
  }

  @Test
  void v2WithoutLimits() throws IOException {
    ContainerCgroup cg = new ContainerCgroup.V2(v2("max", "max 100000"));
    assertThat(cg.memory().limit()).isEmpty();
    assertThat(cg.cpu().quotaCpus()).isZero();
  }

  @Test
  void v2FromTheProcessOrTheRuntime() throws IOException {
    Path dir = v2("max", "max 100000");
    String rel = "/" + root.relativize(dir);
    CgroupPaths paths = new CgroupPaths(root);
    assertThat(paths.unified()).isTrue();
    assertThat(paths.ofProcess("0::" + rel + "\n"))
        .hasValue(new ContainerCgroup.V2(dir.toRealPath()));
    String systemd = "kubepods-burstable-pod1234.slice:cri-containerd:" + ID;
    assertThat(CgroupPaths.relative(systemd)).isEqualTo(rel);
    assertThat(paths.at(CgroupPaths.relative(systemd)))
        .hasValue(new ContainerCgroup.V2(dir.toRealPath()));
  }

  @Test
  void v1FromTheProcess() throws IOException {
    Map<String, String> memory =
        Map.of(
            "memory.usage_in_bytes", "104857600\n",
            "memory.stat", "cache 4194304\nrss 100663296\ntotal_inactive_file 4194304\n",
            "memory.limit_in_bytes", "9223372036854771712\n");
    String pod = "kubepods/burstable/pod1234/" + ID;
    files(root.resolve("memory").resolve(pod), memory);
    files(
        root.resolve("cpu,cpuacct").resolve(pod),
        Map.of(
            "cpu.cfs_quota_us", "-1\n",
            "cpu.cfs_period_us", "100000\n",
            "cpuacct.usage", "5000000000\n"));
    Files.createSymbolicLink(root.resolve("cpu"), root.resolve("cpu,cpuacct"));
    Files.createSymbolicLink(root.resolve("cpuacct"), root.resolve("cpu,cpuacct"));
    CgroupPaths paths = new CgroupPaths(root);
    assertThat(paths.unified()).isFalse();
    ContainerCgroup cg =
        paths
            .ofProcess(
                "12:memory:/"
                    + pod
                    + "\n4:cpu,cpuacct:/"
                    + pod
                    + "\n1:name=systemd:/"
                    + pod
                    + "\n0::/"
                    + pod
                    + "\n")
            .orElseThrow();
    assertThat(cg.memory().workingSet()).isEqualTo(104857600L - 4194304L);
    assertThat(cg.memory().limit()).as("v1's no limit").isEmpty();
    assertThat(cg.cpu().usageMicros()).isEqualTo(5_000_000L);
    assertThat(cg.cpu().quotaCpus()).isZero();
    assertThat(paths.at(CgroupPaths.relative("/" + pod))).hasValue(cg);
  }

  @Test
  void cgroupsPathForms() {
    assertThat(CgroupPaths.relative("/kubepods/besteffort/pod99/" + ID))
        .isEqualTo("/kubepods/besteffort/pod99/" + ID);
    assertThat(CgroupPaths.relative("kubepods-pod99.slice:crio:" + ID))
        .isEqualTo("/kubepods.slice/kubepods-pod99.slice/crio-" + ID + ".scope");
    assertThat(CgroupPaths.relative(":cri-containerd:" + ID))
        .isEqualTo("/cri-containerd-" + ID + ".scope");
    assertThat(CgroupPaths.relative("kubepods.slice:cri-containerd:")).isNull();
    assertThat(CgroupPaths.relative("not-a-slice:cri-containerd:" + ID)).isNull();
  }

  @Test
  void pathsThatLeaveTheMountAreNotFollowed(@TempDir Path outside) throws IOException {
    Path dir = v2("max", "max 100000");
    CgroupPaths paths = new CgroupPaths(root);
    assertThat(paths.at("/../" + outside.getFileName())).isEmpty();
    assertThat(paths.at("/kubepods.slice/../..")).isEmpty();
    assertThat(paths.at("relative/path")).isEmpty();
    assertThat(paths.at("/kube pods")).isEmpty();
    assertThat(paths.at("/missing")).isEmpty();
    // A link inside the mount to a directory outside it.
    Files.createSymbolicLink(dir.resolve("escape"), outside);
    assertThat(paths.at("/" + root.relativize(dir) + "/escape")).isEmpty();
    assertThat(paths.ofProcess("0::/../../etc\n")).isEmpty();
  }

  @Test
  void onlineCpus() throws IOException {
    Path online = root.resolve("online");
    Files.writeString(online, "0-3,6,8-9\n");
    assertThat(SnapshotTriggers.onlineCpus(online)).isEqualTo(7);
    assertThat(SnapshotTriggers.onlineCpus(root.resolve("missing"))).isPositive();
  }

  @Test
  void limitsPrintAsTheyWereSet() {
    assertThat(ResourceTrigger.size(256L << 20)).isEqualTo("256 MiB");
    assertThat(ResourceTrigger.size(2L << 30)).isEqualTo("2 GiB");
    assertThat(ResourceTrigger.size(241_000_000L)).isEqualTo("229.8 MiB");
  }
}
