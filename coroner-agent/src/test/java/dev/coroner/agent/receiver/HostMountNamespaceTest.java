package dev.coroner.agent.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the agent stands, read from a proc tree laid out as the kernel shows it (namespace links,
 * kthreadd's comm, CapEff), and the comparison of a directory with the host's through a root link.
 * The helper's write runs for real in AgentImageIT (the agent image in containerd).
 */
class HostMountNamespaceTest {
  private static final String INIT_PID = "pid:[4026531836]";
  private static final String INIT_MNT = "mnt:[4026531832]";
  private static final String POD_MNT = "mnt:[4026532417]";

  @TempDir Path proc;

  private void process(String pid, String mnt, String comm) throws IOException {
    Path ns = Files.createDirectories(proc.resolve(pid + "/ns"));
    Files.createSymbolicLink(ns.resolve("mnt"), Path.of(mnt));
    Files.writeString(proc.resolve(pid + "/comm"), comm + "\n");
  }

  private void self(String pidNs, String mnt, String capEff) throws IOException {
    Path ns = Files.createDirectories(proc.resolve("self/ns"));
    Files.createSymbolicLink(ns.resolve("pid"), Path.of(pidNs));
    Files.createSymbolicLink(ns.resolve("mnt"), Path.of(mnt));
    Files.writeString(proc.resolve("self/status"), "Name:\tjava\nCapEff:\t" + capEff + "\n");
  }

  @Test
  void onTheHostItWritesItself() throws IOException {
    self(INIT_PID, INIT_MNT, "000001ffffffffff");
    process("2", INIT_MNT, "kthreadd");
    assertThat(HostMountNamespace.locate(proc)).isInstanceOf(HostMountNamespace.Initial.class);
  }

  @Test
  void onAnOlderKernelTheHostsNumberIsComparedWithKthreadds() throws IOException {
    // Before the reserved number, the initial mount namespace had a dynamic one.
    self(INIT_PID, "mnt:[4026531840]", "000001ffffffffff");
    process("2", "mnt:[4026531840]", "kthreadd");
    assertThat(HostMountNamespace.locate(proc)).isInstanceOf(HostMountNamespace.Initial.class);
  }

  @Test
  void inAPodWithHostPidItGoesThroughKthreadd() throws IOException {
    self(INIT_PID, POD_MNT, "000001ffffffffff");
    process("1", INIT_MNT, "systemd");
    process("2", INIT_MNT, "kthreadd");
    var where = HostMountNamespace.locate(proc);
    assertThat(where).isInstanceOf(HostMountNamespace.Pod.class);
    HostMountNamespace host = ((HostMountNamespace.Pod) where).host();
    assertThat(host.reference()).isEqualTo(2);
    assertThat(host.hostRoot()).isEqualTo(proc.resolve("2/root"));
    assertThat(host.command(Path.of("/usr/bin/nsenter")))
        .startsWith("/usr/bin/nsenter", "--target", "2", "--mount", "--root=/", "--wd=/", "--")
        .contains(HostMountNamespace.SCRIPT)
        .noneMatch(a -> a.contains("@@"));
  }

  @Test
  void withoutKthreaddItTakesPid1() throws IOException {
    self(INIT_PID, POD_MNT, "000001ffffffffff");
    process("1", INIT_MNT, "systemd");
    var where = HostMountNamespace.locate(proc);
    assertThat(((HostMountNamespace.Pod) where).host().reference()).isEqualTo(1);
  }

  @Test
  void withoutHostPidItSaysSo() throws IOException {
    // /proc/1 would be the pod's own first process, in the agent's own mount namespace.
    self("pid:[4026532420]", POD_MNT, "000001ffffffffff");
    process("1", POD_MNT, "pause");
    assertThat(HostMountNamespace.locate(proc))
        .isInstanceOfSatisfying(
            HostMountNamespace.Unusable.class,
            u -> assertThat(u.why()).contains("hostPID: true").contains("pid:[4026532420]"));
  }

  @Test
  void anUnreadableHostNamespaceIsUnusable() throws IOException {
    self(INIT_PID, POD_MNT, "000001ffffffffff");
    assertThat(HostMountNamespace.locate(proc))
        .isInstanceOfSatisfying(
            HostMountNamespace.Unusable.class,
            u -> assertThat(u.why()).startsWith("Cannot read the host's mount namespace"));
  }

  @Test
  void missingCapabilitiesAreNamed() throws IOException {
    // Docker's default set without CAP_SYS_CHROOT (18); CAP_SYS_ADMIN (21) is never in it.
    self(INIT_PID, POD_MNT, "00000000a80025fb");
    process("2", INIT_MNT, "kthreadd");
    var host = ((HostMountNamespace.Pod) HostMountNamespace.locate(proc)).host();
    assertThat(host.problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("CAP_SYS_ADMIN and CAP_SYS_CHROOT")
                    .contains("run it privileged"));
  }

  @Test
  void theSameDirectoryThroughTheHostsRootPasses(@TempDir Path dir) throws IOException {
    self(INIT_PID, POD_MNT, "000001ffffffffff");
    process("2", INIT_MNT, "kthreadd");
    // The host's root is this machine's own: the directory is the host's.
    Files.createSymbolicLink(proc.resolve("2/root"), Path.of("/"));
    Path socketDir = Files.createDirectories(dir.resolve("run/coroner"));
    var host = ((HostMountNamespace.Pod) HostMountNamespace.locate(proc)).host();
    assertThat(host.notTheHosts(socketDir)).isEmpty();
  }

  @Test
  void anotherDirectoryAtTheSamePathIsExplained(@TempDir Path dir) throws IOException {
    self(INIT_PID, POD_MNT, "000001ffffffffff");
    process("2", INIT_MNT, "kthreadd");
    // The host's root is elsewhere: the same path there is another directory (the pod's own
    // /run/coroner, not the host's mounted in).
    Path hostRoot = Files.createDirectories(dir.resolve("host"));
    Files.createSymbolicLink(proc.resolve("2/root"), hostRoot);
    Path socketDir = Files.createDirectories(dir.resolve("pod/run/coroner"));
    var host = ((HostMountNamespace.Pod) HostMountNamespace.locate(proc)).host();
    assertThat(host.notTheHosts(socketDir))
        .get()
        .asString()
        .startsWith("The host has no directory /");

    Files.createDirectories(hostRoot.resolve(socketDir.toString().substring(1)));
    assertThat(host.notTheHosts(socketDir))
        .get()
        .asString()
        .contains(socketDir + " in the agent's mount namespace is not the host's (st_dev:st_ino ")
        .contains("Mount the host's " + socketDir + " at the same path");
  }

  @Test
  void aSymlinkOnTheHostsPathIsExplained(@TempDir Path dir) throws IOException {
    self(INIT_PID, POD_MNT, "000001ffffffffff");
    process("2", INIT_MNT, "kthreadd");
    Path hostRoot = Files.createDirectories(dir.resolve("host"));
    Files.createSymbolicLink(proc.resolve("2/root"), hostRoot);
    Path socketDir = Files.createDirectories(dir.resolve("pod/var/run/coroner"));
    // On the host, .../var/run is a link to ../run, as on most distributions.
    Path hostVar =
        Files.createDirectories(hostRoot.resolve(dir.resolve("pod/var").toString().substring(1)));
    Files.createDirectories(hostVar.resolve("../run/coroner"));
    Files.createSymbolicLink(hostVar.resolve("run"), Path.of("../run"));
    var host = ((HostMountNamespace.Pod) HostMountNamespace.locate(proc)).host();
    assertThat(host.notTheHosts(socketDir))
        .get()
        .asString()
        .contains(dir.resolve("pod/var/run") + " is a symlink")
        .contains("follows none");
  }
}
