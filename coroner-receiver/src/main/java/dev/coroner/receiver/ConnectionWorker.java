package dev.coroner.receiver;

import dev.coroner.receiver.kernel.PidfdInfo;
import dev.coroner.receiver.kernel.SocketPattern;
import dev.coroner.receiver.protocol.CoredumpAck;
import dev.coroner.receiver.protocol.CoredumpFlag;
import dev.coroner.receiver.protocol.CoredumpMark;
import dev.coroner.receiver.protocol.CoredumpRequest;
import dev.coroner.receiver.protocol.ProtocolException;
import dev.coroner.receiver.sys.Errno;
import dev.coroner.receiver.sys.ErrnoException;
import dev.coroner.receiver.sys.ReadAbortedException;
import dev.coroner.receiver.sys.SocketInput;
import dev.coroner.receiver.sys.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Serves one connection on a worker thread: makes sure the peer is the kernel, asks the handler,
 * answers the kernel ({@code @@}), hands the core to the handler, closes, and reports.
 */
final class ConnectionWorker implements Runnable {
  private static final long INFO_MASK =
      PidfdInfo.PIDFD_INFO_PID
          | PidfdInfo.PIDFD_INFO_CREDS
          | PidfdInfo.PIDFD_INFO_CGROUPID
          | PidfdInfo.PIDFD_INFO_COREDUMP
          // 6.19+: the signal before the core's first byte; older kernels ignore the bit
          | PidfdInfo.PIDFD_INFO_COREDUMP_SIGNAL;

  private final Syscalls sys;
  private final Connection conn;
  private final SocketPattern pattern;
  private final CoredumpHandler handler;
  private final ServerEvents events;
  private final SocketInput in;

  ConnectionWorker(
      Syscalls sys,
      Connection conn,
      ServerOptions options,
      CoredumpHandler handler,
      ServerEvents events) {
    this.sys = sys;
    this.conn = conn;
    this.pattern = options.pattern();
    this.handler = handler;
    this.events = events;
    this.in = new SocketInput(sys, conn.fd(), conn.deadline());
  }

  @Override
  public void run() {
    int pidfd = -1;
    CrashingPeer peer = null;
    CoreOutcome outcome = null;
    try {
      pidfd = sys.peerPidfd(conn.fd());
      peer = identify(pidfd);
      if (peer != null) {
        outcome = serve(peer);
      }
    } catch (ReadAbortedException e) {
      outcome =
          new CoreOutcome(
              CoreOutcome.Status.TRUNCATED,
              in.bytesRead(),
              Objects.requireNonNullElse(e.getMessage(), "read aborted"));
    } catch (IOException | RuntimeException e) {
      outcome = new CoreOutcome(CoreOutcome.Status.FAILED, in.bytesRead(), describe(e));
    } finally {
      conn.close();
      if (outcome != null
          && outcome.status() != CoreOutcome.Status.COMPLETE
          && outcome.status() != CoreOutcome.Status.REJECTED) {
        events.failed(
            "connection "
                + conn.id()
                + (peer == null ? "" : " (pid " + peer.tgid() + ")")
                + ": "
                + outcome.detail());
      }
      if (peer != null && outcome != null) {
        end(peer, outcome);
      }
      if (pidfd >= 0) {
        SocketBinder.closeQuietly(sys, pidfd);
      }
    }
  }

  /** The peer, or null when it is not the kernel (refused: closed without an ack). */
  private @Nullable CrashingPeer identify(int pidfd) throws IOException {
    PidfdInfo info;
    try {
      info = PidfdInfo.parse(sys.pidfdInfo(pidfd, INFO_MASK, PidfdInfo.SIZE_VER3));
    } catch (ErrnoException e) {
      // ESRCH: the peer is outside this pid namespace (run with hostPID) or already gone.
      throw new IOException("cannot identify the peer: " + e.getMessage(), e);
    }
    if (!info.isKernelCoredump()) {
      events.refusedNotKernel(
          "connection "
              + conn.id()
              + " from pid "
              + info.tgid()
              + " (uid "
              + info.ruid()
              + ") is a userspace client, not the kernel dumping a task (coredump_mask 0x"
              + Integer.toHexString(info.coredumpMask())
              + ")");
      return null;
    }
    return new CrashingPeer(
        conn.id(), conn.acceptedAt(), pidfd, info, sys.peerCredentials(conn.fd()), pattern);
  }

  private CoreOutcome serve(CrashingPeer peer) throws IOException {
    CoredumpRequest request = pattern == SocketPattern.REQUEST ? readRequest() : null;
    Decision decision;
    try {
      decision = handler.decide(peer);
    } catch (IOException | RuntimeException e) {
      if (request != null) {
        answer(request, CoredumpFlag.REJECT, false);
      }
      return new CoreOutcome(
          CoreOutcome.Status.FAILED,
          0,
          "the handler's decide failed, core rejected: " + describe(e));
    }
    if (!decision.accepted()) {
      if (request != null) {
        answer(request, CoredumpFlag.REJECT, false);
      }
      // In '@' mode nothing can be declined: closing cuts the core off.
      events.rejected(peer, decision.reason());
      return new CoreOutcome(CoreOutcome.Status.REJECTED, 0, decision.reason());
    }
    if (request != null) {
      CoredumpMark mark = answer(request, CoredumpFlag.KERNEL, request.offers(CoredumpFlag.WAIT));
      if (mark != CoredumpMark.REQACK) {
        throw new ProtocolException(
            "the kernel answered the ack with " + mark + ": " + mark.meaning());
      }
    }
    events.accepted(peer);
    try {
      handler.receive(peer, in);
    } finally {
      in.close(); // a handler that kept the channel must not read a reused descriptor later
    }
    if (in.atEndOfStream()) {
      return CoreOutcome.complete(in.bytesRead());
    }
    String stop = conn.deadline().stopReason().orElse(null);
    return stop != null
        ? new CoreOutcome(CoreOutcome.Status.TRUNCATED, in.bytesRead(), stop)
        : new CoreOutcome(
            CoreOutcome.Status.INCOMPLETE,
            in.bytesRead(),
            "the handler returned before the end of the core");
  }

  /** Peeks the size, reads the whole request (at most a page) and keeps what it knows. */
  private CoredumpRequest readRequest() throws IOException {
    ByteBuffer size = ByteBuffer.allocateDirect(4);
    in.peekFully(size);
    ByteBuffer whole = ByteBuffer.allocateDirect(CoredumpRequest.peekSize(size.flip()));
    in.readFully(whole);
    return CoredumpRequest.decode(whole.flip());
  }

  /** Sends the ack; returns the kernel's mark, or REQACK for a reject the kernel hung up on. */
  private CoredumpMark answer(CoredumpRequest request, CoredumpFlag action, boolean wait)
      throws IOException {
    ByteBuffer ack = ByteBuffer.allocateDirect(CoredumpAck.SIZE_VER0);
    ack.put(CoredumpAck.answer(request, action, wait).encode()).flip();
    try {
      while (ack.hasRemaining()) {
        conn.deadline().check();
        sys.send(conn.fd(), ack, 0);
      }
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET) {
        // The kernel waits for the ack until a fatal signal: the task was killed meanwhile.
        throw new IOException(
            "the kernel hung up before the ack (the task was killed?): " + e.getMessage(), e);
      }
      throw e;
    }
    ByteBuffer mark = ByteBuffer.allocateDirect(CoredumpMark.SIZE);
    try {
      in.readFully(mark);
    } catch (IOException e) {
      if (action == CoredumpFlag.REJECT) {
        return CoredumpMark.REQACK;
      }
      throw e;
    }
    return CoredumpMark.decode(mark.flip());
  }

  private void end(CrashingPeer peer, CoreOutcome outcome) {
    events.ended(peer, outcome);
    try {
      handler.ended(peer, outcome);
    } catch (RuntimeException e) {
      events.failed("the handler's ended() failed for pid " + peer.tgid() + ": " + describe(e));
    }
  }

  private static String describe(Exception e) {
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }
}
