package dev.coroner.receiver;

/**
 * How a connection ended, told to {@link CoredumpHandler#ended} after it closed.
 *
 * @param status what happened
 * @param bytes the core bytes the handler was given
 * @param detail a sentence for the log: the reject reason, the truncation or failure cause
 */
public record CoreOutcome(Status status, long bytes, String detail) {

  /** What happened to a core. */
  public enum Status {
    /**
     * The kernel's end of stream came. A task SIGKILLed while dumping also ends early this way;
     * compare with {@code CoreNotes.announcedSize()} to be sure.
     */
    COMPLETE,
    /** The connection's deadline passed or the server closed: the core is cut. */
    TRUNCATED,
    /** The handler returned before the end of the core: the rest was dropped. */
    INCOMPLETE,
    /** The handler rejected it: no core bytes. */
    REJECTED,
    /** Protocol, socket or handler failure; {@code bytes} may be a partial core. */
    FAILED
  }

  static CoreOutcome complete(long bytes) {
    return new CoreOutcome(Status.COMPLETE, bytes, "the kernel sent the whole core");
  }

  /** Whether the whole core arrived. */
  public boolean isComplete() {
    return status == Status.COMPLETE;
  }
}
