package dev.coroner.receiver;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;

/**
 * What the server does with each crash. The calls for one crash come on one worker thread, in
 * order: {@link #decide}, then {@link #receive} if accepted, then {@link #ended}. The crashing task
 * is stalled until the connection closes after {@code receive}, so be quick.
 */
public interface CoredumpHandler {

  /**
   * Take the core or not. The kernel waits for this answer, so /proc/PID is complete and stable
   * here: read what the dump's metadata needs now. Throwing rejects the core.
   */
  Decision decide(CrashingPeer peer) throws IOException;

  /**
   * Read the core from {@code core} until it returns -1 (the kernel's shutdown). A read past the
   * connection's deadline throws {@link dev.coroner.receiver.sys.ReadAbortedException}. With WAIT
   * the task, and /proc/PID, stay until this method returns or {@code core} is closed: closing it
   * after the end of the core releases the task at once (while the dump is being finished), and
   * closing it before cuts the core off.
   */
  void receive(CrashingPeer peer, ReadableByteChannel core) throws IOException;

  /**
   * The connection is closed and the task released. Called for every peer that was identified as
   * the kernel, accepted or not; the peer's pidfd is closed when this returns.
   */
  default void ended(CrashingPeer peer, CoreOutcome outcome) {}
}
