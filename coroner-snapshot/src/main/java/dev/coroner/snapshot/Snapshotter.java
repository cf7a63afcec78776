package dev.coroner.snapshot;

import dev.coroner.base.exit.ExitCode;
import dev.coroner.base.threads.DaemonThreads;
import dev.coroner.capture.Prewarm;
import dev.coroner.capture.log.CaptureLog;
import dev.coroner.capture.write.DumpWriter;
import dev.coroner.dump.DumpInfo;
import dev.coroner.snapshot.core.CoreImage;
import dev.coroner.snapshot.core.CoreNotes;
import dev.coroner.snapshot.core.CoreStream;
import dev.coroner.snapshot.core.DumpFilter;
import dev.coroner.snapshot.core.Mapping;
import dev.coroner.snapshot.core.ProcessMemory;
import dev.coroner.snapshot.core.ThreadRegisters;
import dev.coroner.snapshot.freeze.ForkedCopy;
import dev.coroner.snapshot.freeze.FreezeException;
import dev.coroner.snapshot.freeze.Freezer;
import dev.coroner.snapshot.sys.Ptrace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Takes snapshots of live processes. One snapshot: checks, then every thread stopped and its
 * registers copied; with {@link SnapshotMethod#FORK} the process forks a copy-on-write child and
 * its threads run again at once; the ELF core is then written from the child (or, with {@link
 * SnapshotMethod#STOP}, from the stopped process) through coroner's {@link DumpWriter}, so the
 * result is an ordinary dump. The child is killed and reaped at the end. Each snapshot runs on a
 * platform thread of its own: ptrace tracers are threads, and when that thread ends the kernel
 * detaches whatever it still traced.
 */
public final class Snapshotter {
  private final Ptrace ptrace;
  private final Path procRoot;

  public Snapshotter(Ptrace ptrace, Path procRoot) {
    this.ptrace = ptrace;
    this.procRoot = procRoot;
  }

  /** Snapshots of this host's processes, with this JVM's ptrace (Java 22+). */
  public static Snapshotter system() {
    return new Snapshotter(Ptrace.system(), Path.of("/proc"));
  }

  /** Why this JVM cannot take snapshots, or "" when it can. */
  public String unavailableReason() {
    return ptrace.unavailableReason();
  }

  /** Takes one snapshot and writes it as a dump; the process is left running either way. */
  public SnapshotResult take(SnapshotRequest request, SnapshotListener listener)
      throws SnapshotException {
    // SHA-256 compiled by C2 (the CPU's SHA instructions), the digest's provider and zstd's native
    // library, on a side thread while the checks run: a JVM that starts for the snapshot (the CLI)
    // otherwise hashes the core's first 200-400 MiB at a fraction of the speed.
    Prewarm prewarm = Prewarm.start();
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread tracer =
        DaemonThreads.start(
            "coroner-snapshot-" + request.pid(),
            () -> {
              try {
                outcome.set(new Run(request, listener, prewarm).take());
              } catch (SnapshotException | RuntimeException | Error e) {
                outcome.set(e);
              }
            });
    boolean interrupted = false;
    while (true) {
      try {
        tracer.join();
        break;
      } catch (InterruptedException e) {
        // The tracer finishes what it started: a process must never be left stopped.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Object o = outcome.get();
    if (o instanceof SnapshotResult r) {
      return r;
    }
    if (o instanceof SnapshotException e) {
      throw e;
    }
    if (o instanceof RuntimeException e) {
      throw e;
    }
    throw (Error) o;
  }

  /** One snapshot, on the tracer thread. */
  private final class Run {
    private final SnapshotRequest request;
    private final SnapshotListener listener;
    private final Prewarm prewarm;
    private final int pid;
    private final List<String> warnings = new ArrayList<>();
    private long freezeMicros = -1;

    Run(SnapshotRequest request, SnapshotListener listener, Prewarm prewarm) {
      this.request = request;
      this.listener = listener;
      this.prewarm = prewarm;
      this.pid = request.pid();
    }

    SnapshotResult take() throws SnapshotException {
      long started = System.nanoTime();
      ProcFacts facts = Preflight.check(ptrace, procRoot, pid, request.method());
      SnapshotMetadata meta = SnapshotMetadata.read(procRoot, pid, facts, request, warnings);
      Freezer freezer = new Freezer(ptrace, procRoot, pid, request.stopTimeout().toNanos());
      long gadget;
      try {
        gadget = request.method() == SnapshotMethod.FORK ? ForkedCopy.gadget(procRoot, pid) : 0;
      } catch (FreezeException e) {
        throw new SnapshotException(e.code(), e.getMessage(), e);
      }
      // V8 and others mark their JIT code MADV_DONTFORK: it would be missing from the copy. Such
      // mappings are copied while the process is stopped (they are small: code, not heaps).
      List<Mapping> dontFork =
          request.method() == SnapshotMethod.FORK ? dontForkMappings(meta) : List.of();
      Freezer.warmUp(ptrace);
      listener.stopping(pid);
      ForkedCopy copy = null;
      List<ThreadRegisters> registers;
      List<Saved> saved = List.of();
      try {
        freezer.stopAll();
        registers = freezer.registers();
        if (request.method() == SnapshotMethod.FORK) {
          saved = saveWhileStopped(dontFork);
          copy = ForkedCopy.fork(freezer, gadget);
          resume(freezer);
        }
        // Told only now: a listener that blocks (a full stderr pipe) must not lengthen the freeze.
        listener.stopped(registers.size());
        if (freezeMicros >= 0) {
          listener.resumed(freezeMicros);
        }
      } catch (FreezeException e) {
        resume(freezer);
        throw new SnapshotException(e.code(), e.getMessage(), e);
      } catch (RuntimeException e) {
        resume(freezer);
        throw e;
      }
      try {
        int source = copy != null ? copy.hostPid() : pid;
        SnapshotResult r = write(freezer, source, registers, meta, started, saved);
        return r;
      } finally {
        if (copy != null) {
          copy.kill(ptrace);
          String problem = copy.reap(ptrace, procRoot, pid, request.stopTimeout().toNanos());
          if (problem != null) {
            warnings.add(problem);
          }
        }
        resume(freezer);
      }
    }

    /** Lets the threads go (once) and measures the freeze. */
    private void resume(Freezer freezer) {
      if (freezeMicros >= 0) {
        return;
      }
      warnings.addAll(freezer.release());
      long start = freezer.firstStopNanos();
      freezeMicros = start == 0 ? 0 : (System.nanoTime() - start) / 1000;
      if (request.method() == SnapshotMethod.STOP) {
        listener.resumed(freezeMicros);
      }
    }

    private List<Mapping> dontForkMappings(SnapshotMetadata meta) {
      DumpFilter filter = DumpFilter.parse(meta.coredumpFilter());
      List<Mapping> out = new ArrayList<>();
      long total = 0;
      for (Mapping m : Mapping.parseSmaps(ProcFacts.of(procRoot, pid).text("smaps"))) {
        if (m.vmFlags().contains("dc") && filter.extent(m) == DumpFilter.Extent.WHOLE) {
          total += m.size();
          if (total > MAX_SAVED) {
            warnings.add("MADV_DONTFORK memory past " + MAX_SAVED + " bytes is not in the core");
            break;
          }
          out.add(m);
        }
      }
      return out;
    }

    private List<Saved> saveWhileStopped(List<Mapping> dontFork) {
      List<Saved> out = new ArrayList<>();
      if (dontFork.isEmpty()) {
        return out;
      }
      try (ProcessMemory mem = ProcessMemory.open(procRoot, pid)) {
        for (Mapping m : dontFork) {
          byte[] data = new byte[Math.toIntExact(m.size())];
          mem.read(m.start(), java.nio.ByteBuffer.wrap(data), true);
          out.add(new Saved(m, data));
        }
      } catch (IOException | RuntimeException e) {
        warnings.add("MADV_DONTFORK memory could not be copied: " + e.getMessage());
      }
      return out;
    }

    private SnapshotResult write(
        Freezer freezer,
        int source,
        List<ThreadRegisters> registers,
        SnapshotMetadata meta,
        long started,
        List<Saved> saved)
        throws SnapshotException {
      List<Mapping> mappings =
          new ArrayList<>(Mapping.parseSmaps(ProcFacts.of(procRoot, source).text("smaps")));
      for (Saved sv : saved) {
        if (mappings.stream().noneMatch(m -> m.start() == sv.mapping().start())) {
          mappings.add(sv.mapping());
        }
      }
      mappings.sort(java.util.Comparator.comparingLong(Mapping::start));
      if (mappings.isEmpty()) {
        throw new SnapshotException(
            ExitCode.PROCESS_EXITED, "process " + pid + " exited before its memory was read");
      }
      List<CoreNotes.Thread> threads = new ArrayList<>();
      for (ThreadRegisters r : registers) {
        threads.add(
            new CoreNotes.Thread(
                r, ProcFacts.ofThread(procRoot, pid, r.tid()).threadInfo(r.tid())));
      }
      List<Mapping> files =
          mappings.stream().filter(m -> m.fileBacked() && m.path().startsWith("/")).toList();
      byte[] notes = CoreNotes.build(threads, meta.processInfo(), meta.auxv(), files);
      DumpFilter filter = DumpFilter.parse(meta.coredumpFilter());
      try (ProcessMemory memory = ProcessMemory.open(procRoot, source);
          CaptureLog log =
              CaptureLog.open(
                  request.logFile() == null ? Path.of("/dev/null") : request.logFile())) {
        for (Saved sv : saved) {
          memory.save(sv.mapping().start(), sv.data());
        }
        CoreImage image = CoreImage.plan(mappings, filter, memory, notes);
        listener.writing(image.size());
        DumpWriter writer =
            new DumpWriter(request.settings(), meta.name(), entries(request, meta), log);
        DumpWriter.Written w =
            writer.write(
                new CoreStream(image, memory),
                prewarm::sha256,
                () -> resume(freezer),
                (core, integrity, entries) ->
                    request
                        .additions()
                        .info()
                        .apply(
                            meta.info(
                                core,
                                integrity,
                                entries,
                                request.method(),
                                freezeMicros,
                                registers.size(),
                                (System.nanoTime() - started) / 1_000_000,
                                warnings)));
        if (memory.unreadablePages() > 0) {
          warnings.add(
              memory.unreadablePages() + " pages could not be read and are zeros in the core");
        }
        return new SnapshotResult(
            w.file(), w.info(), freezeMicros, registers.size(), warnings, w.owner());
      } catch (DumpWriter.NotWrittenException e) {
        throw new SnapshotException(ExitCode.NOT_WRITTEN, e.getMessage(), e);
      } catch (IOException e) {
        throw new SnapshotException(
            ExitCode.FAILURE,
            "cannot read the memory of process " + source + ": " + e.getMessage(),
            e);
      }
    }
  }

  /** The zip's entries besides the core and dump-info: /proc's, then the caller's additions. */
  private static Map<String, byte[]> entries(SnapshotRequest request, SnapshotMetadata meta) {
    Map<String, byte[]> files = new LinkedHashMap<>(meta.procFiles());
    String core = request.settings().compression().entryName(meta.name());
    request
        .additions()
        .files()
        .forEach(
            (name, bytes) -> {
              if (!name.equals(DumpInfo.ENTRY) && !name.equals(core)) {
                files.putIfAbsent(name, bytes);
              }
            });
    return files;
  }

  /** At most this much MADV_DONTFORK memory is copied during the freeze. */
  private static final long MAX_SAVED = 256L << 20;

  /** A mapping's content, copied while the process was stopped. */
  // A value never compared or hashed: the arrays are read as they are.
  @SuppressWarnings("ArrayRecordComponent")
  private record Saved(Mapping mapping, byte[] data) {}
}
