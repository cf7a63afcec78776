package dev.coroner.receiver.sys;

/**
 * {@code SO_PEERCRED}: the peer's pid and effective uid and gid at connect time, as seen in this
 * process's pid and user namespaces. For a kernel coredump connection the connect runs with the
 * crashing task's credentials, so this is the crashing thread group.
 */
public record PeerCredentials(int pid, int uid, int gid) {}
