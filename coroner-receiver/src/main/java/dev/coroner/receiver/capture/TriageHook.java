package dev.coroner.receiver.capture;

import dev.coroner.capture.identity.CrashQuery;
import dev.coroner.capture.identity.CrashVerdict;

/**
 * Who crashed and what to keep, asked before the kernel's ack for a process in a container: the
 * node agent plugs its CRI triage in here when it hosts the receiver (the pipe composer asks the
 * same question over the agent's socket). {@link dev.coroner.capture.identity.Decision#SKIP}
 * rejects the core; {@code METADATA_ONLY} rejects it and still writes the metadata from /proc;
 * {@code CAPTURE} accepts it. An exception or a late answer keeps the core with the pod unknown.
 */
@FunctionalInterface
public interface TriageHook {
  /** The verdict for one crash, asked while the kernel holds the task. */
  CrashVerdict triage(CrashQuery crash) throws Exception;
}
