using System.Net.Sockets;
using System.Runtime.InteropServices;
using StreamHub.Media;

namespace StreamHub.Hosting;

/// <summary>The sends a thread makes while it resumes a stream's players one after another (<see
/// cref="Live.SubscriberWakes"/>), handed to the kernel together through an io_uring submission queue instead of one
/// sendmsg call each. A frame's sends to hundreds of players then cost one system call, not one each: on a kernel built
/// with return-stack and indirect-branch mitigations, entering and leaving the kernel and looking the descriptor up is
/// a sixth of what a player's send costs. Each send is still the kernel's non-blocking sendmsg, issued in the
/// submission itself (MSG_DONTWAIT, so a socket without room answers at once with what it took rather than being
/// waited on), and its result comes back in the completion queue when the submission returns: the output then goes on
/// as after a direct send (<see cref="RtmpSocketOutput"/>), finishing the flush or sending the rest asynchronously.
/// <para>Rings are rented for a batch and given back after it, so there are as many as threads sending at once. Where
/// io_uring is unavailable (another OS, an old kernel, a container whose seccomp profile refuses it, or
/// <c>kernel.io_uring_disabled</c>) no ring is made and every send is a direct sendmsg, as before.</para></summary>
internal sealed unsafe partial class SendRing : IDisposable
{
    /// <summary>Sends one submission takes at most; a batch with more submits as the queue fills.</summary>
    private const uint Entries = 512;

    /// <summary>I/O vectors the ring keeps room for per submission; a batch whose sends need more submits early.</summary>
    private const int MaxVectors = 8192;

    private const int SysIoUringSetup = 425;
    private const int SysIoUringEnter = 426;
    private const uint SetupSubmitAll = 1 << 7;
    private const uint SetupCoopTaskRun = 1 << 8;
    private const uint EnterGetEvents = 1;
    private const uint FeatureSingleMmap = 1;
    private const byte OpSendMessage = 9;
    private const long OffsetSubmissionRing = 0;
    private const long OffsetEntries = 0x10000000;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapSharedPopulate = 0x01 | 0x8000;
    private const int EIntr = 4;
    private const int EAgain = 11;

    /// <summary>Rings kept for reuse; more threads than this sending at once make and drop rings of their own.</summary>
    private const int Pooled = 16;

    private static readonly SendRing?[] s_pool = new SendRing?[Pooled];
    private static int s_unavailable;

    [ThreadStatic]
    private static SendRing? t_current;

    private readonly int _fd;
    private readonly byte* _submissionRing;
    private readonly nuint _submissionRingBytes;
    private readonly byte* _completionRing;
    private readonly Sqe* _entries;
    private readonly nuint _entriesBytes;
    private readonly uint* _submissionTail;
    private readonly uint _submissionMask;
    private readonly uint* _submissionArray;
    private readonly uint* _completionHead;
    private readonly uint* _completionTail;
    private readonly uint _completionMask;
    private readonly Cqe* _completions;

    // Per submission: the sends queued, their message headers and vectors (kept here until the kernel has read them).
    private readonly RtmpSocketOutput?[] _outputs = new RtmpSocketOutput?[Entries];
    private readonly SafeHandle?[] _handles = new SafeHandle?[Entries];
    private readonly GatheredSend.MessageHeader* _headers;
    private readonly GatheredSend.IoVector* _vectors;
    private int _queued;
    private int _vectorsUsed;
    private bool _broken;
    private bool _disposed;

    /// <summary>Why no ring could be made, once that has happened.</summary>
    public static string? Unavailability { get; private set; }

    /// <summary>Whether a ring can be made here; false once making one failed.</summary>
    public static bool IsAvailable => GatheredSend.IsSupported && Volatile.Read(ref s_unavailable) == 0 && Enabled;

    /// <summary>Off by configuration (<c>StreamHub:Rtmp:BatchedSends</c>): every send a direct sendmsg.</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>The ring this thread's sends go to now, if any (<see cref="Begin"/>).</summary>
    public static SendRing? Current => t_current;

    /// <summary>Sends of this thread go to a ring until <see cref="End"/>; returns the ring to pass there, or null when
    /// there is none (the sends are direct).</summary>
    public static SendRing? Begin()
    {
        if (!IsAvailable || t_current is not null)
        {
            return null;
        }
        var ring = Rent();
        t_current = ring;
        return ring;
    }

    /// <summary>Submits what <paramref name="ring"/> holds, completes those sends on this thread, and gives it back.</summary>
    public static void End(SendRing? ring)
    {
        if (ring is null)
        {
            return;
        }
        // Completing a send resumes its player, which may flush again: that flush is direct.
        t_current = null;
        try
        {
            ring.Submit();
        }
        finally
        {
            Return(ring);
        }
    }

    private static SendRing? Rent()
    {
        for (var i = 0; i < s_pool.Length; i++)
        {
            if (Volatile.Read(ref s_pool[i]) is not null && Interlocked.Exchange(ref s_pool[i], null) is { } ring)
            {
                return ring;
            }
        }
        return TryCreate();
    }

    private static void Return(SendRing ring)
    {
        if (ring._broken)
        {
            ring.Dispose();
            return;
        }
        for (var i = 0; i < s_pool.Length; i++)
        {
            if (Interlocked.CompareExchange(ref s_pool[i], ring, null) is null)
            {
                return;
            }
        }
        ring.Dispose();
    }

    /// <summary>A new ring, or null (and none tried again) when the kernel refuses io_uring here.</summary>
    internal static SendRing? TryCreate()
    {
        if (!GatheredSend.IsSupported || Volatile.Read(ref s_unavailable) != 0)
        {
            return null;
        }
        var parameters = new Parameters { Flags = SetupSubmitAll | SetupCoopTaskRun };
        var fd = Syscall(SysIoUringSetup, Entries, (nint)(&parameters), 0, 0, 0, 0);
        if (fd < 0)
        {
            // Flags older kernels do not know: plain setup.
            parameters = default;
            fd = Syscall(SysIoUringSetup, Entries, (nint)(&parameters), 0, 0, 0, 0);
        }
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return Unavailable(errno switch
            {
                1 => "io_uring_setup: operation not permitted (a seccomp profile, or kernel.io_uring_disabled)",
                12 => "io_uring_setup: out of locked memory (before Linux 5.12 rings count against RLIMIT_MEMLOCK)",
                38 => "io_uring_setup: not implemented by this kernel",
                _ => $"io_uring_setup failed with errno {errno}",
            });
        }
        if ((parameters.Features & FeatureSingleMmap) == 0)
        {
            Close((int)fd);
            return Unavailable("the kernel is older than 5.4 (no IORING_FEAT_SINGLE_MMAP)");
        }
        try
        {
            return new SendRing((int)fd, parameters);
        }
        catch (InvalidOperationException e)
        {
            Close((int)fd);
            return Unavailable(e.Message);
        }
    }

    private static SendRing? Unavailable(string why)
    {
        Unavailability = why;
        Volatile.Write(ref s_unavailable, 1);
        return null;
    }

    private SendRing(int fd, Parameters parameters)
    {
        _fd = fd;
        var submissionBytes = parameters.SubmissionOffsets.Array + parameters.SubmissionEntries * sizeof(uint);
        var completionBytes = parameters.CompletionOffsets.Cqes + parameters.CompletionEntries * (uint)sizeof(Cqe);
        // One mapping holds both rings (IORING_FEAT_SINGLE_MMAP).
        _submissionRingBytes = Math.Max(submissionBytes, completionBytes);
        _submissionRing = Map(fd, _submissionRingBytes, OffsetSubmissionRing);
        _completionRing = _submissionRing;
        _entriesBytes = parameters.SubmissionEntries * (nuint)sizeof(Sqe);
        _entries = (Sqe*)Map(fd, _entriesBytes, OffsetEntries);
        _submissionTail = (uint*)(_submissionRing + parameters.SubmissionOffsets.Tail);
        _submissionMask = *(uint*)(_submissionRing + parameters.SubmissionOffsets.RingMask);
        _submissionArray = (uint*)(_submissionRing + parameters.SubmissionOffsets.Array);
        _completionHead = (uint*)(_completionRing + parameters.CompletionOffsets.Head);
        _completionTail = (uint*)(_completionRing + parameters.CompletionOffsets.Tail);
        _completionMask = *(uint*)(_completionRing + parameters.CompletionOffsets.RingMask);
        _completions = (Cqe*)(_completionRing + parameters.CompletionOffsets.Cqes);
        _headers = (GatheredSend.MessageHeader*)NativeMemory.AllocZeroed(Entries, (nuint)sizeof(GatheredSend.MessageHeader));
        _vectors = (GatheredSend.IoVector*)NativeMemory.Alloc(MaxVectors, (nuint)sizeof(GatheredSend.IoVector));
    }

    /// <summary>Sends queued and not yet submitted.</summary>
    internal int Queued => _queued;

    /// <summary>Queues a non-blocking gathered send of <paramref name="buffers"/> (pinned arrays) on
    /// <paramref name="socket"/>, whose result goes to <see cref="RtmpSocketOutput.CompleteRingSend"/> of
    /// <paramref name="output"/> when the ring is submitted. The handle is held until then, so a socket closed
    /// meanwhile cannot have its descriptor reused under the send. False when the send must be made directly.</summary>
    public bool TryQueue(RtmpSocketOutput output, SafeHandle socket, List<ArraySegment<byte>> buffers)
    {
        var count = buffers.Count;
        if (count > MaxVectors)
        {
            return false;
        }
        if (_queued == Entries || _vectorsUsed + count > MaxVectors)
        {
            // Full: what is queued goes now, its players resumed, and this send starts the next submission.
            Submit();
        }
        var added = false;
        socket.DangerousAddRef(ref added);
        var vectors = _vectors + _vectorsUsed;
        GatheredSend.Describe(buffers, vectors);
        var slot = _queued;
        var header = _headers + slot;
        *header = new GatheredSend.MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        var tail = *_submissionTail;
        var index = tail & _submissionMask;
        var entry = _entries + index;
        *entry = default;
        entry->Opcode = OpSendMessage;
        entry->Fd = (int)socket.DangerousGetHandle();
        entry->Address = (ulong)header;
        entry->Length = 1;
        entry->OperationFlags = GatheredSend.Flags;
        entry->UserData = (ulong)slot;
        _submissionArray[index] = index;
        // The kernel reads the entry once it sees the new tail.
        Volatile.Write(ref *_submissionTail, tail + 1);
        _outputs[slot] = output;
        _handles[slot] = socket;
        _queued = slot + 1;
        _vectorsUsed += count;
        return true;
    }

    /// <summary>Hands the queued sends to the kernel, which makes them before it returns, then completes each on this
    /// thread. Completing one resumes its player, whose next flush, if any, is direct: the thread's ring is unset
    /// meanwhile, so nothing is queued while the results are read.</summary>
    public void Submit()
    {
        var queued = _queued;
        if (queued == 0)
        {
            return;
        }
        var current = t_current;
        t_current = null;
        try
        {
            var unsubmitted = queued;
            var completed = 0;
            while (completed < queued)
            {
                var entered = Syscall(SysIoUringEnter, _fd, unsubmitted, queued - completed, EnterGetEvents, 0, 0);
                if (entered < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno is EIntr or EAgain)
                    {
                        completed += Reap();
                        continue;
                    }
                    Fail(unsubmitted, errno);
                    return;
                }
                unsubmitted -= (int)Math.Min(entered, unsubmitted);
                completed += Reap();
            }
        }
        finally
        {
            _queued = 0;
            _vectorsUsed = 0;
            t_current = current;
        }
    }

    /// <summary>The kernel refused the submission: no ring is used from now on. Sends it never took are made directly
    /// by their outputs; a send it took but whose result cannot be read ends that connection, which is the only way
    /// to be sure its bytes are neither lost nor sent twice.</summary>
    private void Fail(int unsubmitted, int errno)
    {
        Unavailable($"io_uring_enter failed with errno {errno}");
        _broken = true;
        // Entries the kernel never took are taken back, so no later submission makes them.
        Volatile.Write(ref *_submissionTail, *_submissionTail - (uint)unsubmitted);
        var firstUnsubmitted = _queued - unsubmitted;
        for (var slot = 0; slot < _queued; slot++)
        {
            if (_outputs[slot] is { } output)
            {
                Complete(slot);
                if (slot >= firstUnsubmitted)
                {
                    output.CompleteRingSend(0, SocketError.WouldBlock);
                }
                else
                {
                    output.CompleteRingSend(0, SocketError.SocketError);
                }
            }
        }
    }

    private int Reap()
    {
        var completed = 0;
        var head = *_completionHead;
        var tail = Volatile.Read(ref *_completionTail);
        while (head != tail)
        {
            ref var cqe = ref _completions[head & _completionMask];
            var slot = (int)cqe.UserData;
            PrefetchForCompletion(slot);
            var result = cqe.Result;
            // The entry is given back before its output goes on, which runs a player's loop.
            Volatile.Write(ref *_completionHead, ++head);
            if ((uint)slot >= Entries || _outputs[slot] is not { } output)
            {
                continue;
            }
            Complete(slot);
            completed++;
            output.CompleteRingSend(Math.Max(result, 0), result >= 0 ? SocketError.Success : GatheredSend.ErrorOf(-result));
        }
        return completed;
    }

    /// <summary>The sends complete in the order they were queued; what the next ones' completions read is asked for
    /// while this one's runs, a level of references per step (as <see cref="Live.SubscriberWakes"/> does), each level
    /// several completions before it is read: a completion is short next to a read from memory. The output
    /// <see cref="PrefetchSpan"/> × 3 ahead, its lists and its session × 2 ahead, the session's own objects × 1 ahead.</summary>
    private void PrefetchForCompletion(int slot)
    {
        var queued = (uint)_queued;
        if ((uint)(slot + 3 * PrefetchSpan) < queued)
        {
            CacheLines.Prefetch(_outputs[slot + 3 * PrefetchSpan], s_outputBytes);
        }
        if ((uint)(slot + 2 * PrefetchSpan) < queued && _outputs[slot + 2 * PrefetchSpan] is { } output)
        {
            output.Prefetch(1);
            CacheLines.Prefetch(output.Owner, output.OwnerBytes);
        }
        if ((uint)(slot + PrefetchSpan) < queued)
        {
            _outputs[slot + PrefetchSpan]?.Owner?.PrefetchForCompletion();
        }
    }

    /// <summary>Completions between two levels of <see cref="PrefetchForCompletion"/>.</summary>
    private const int PrefetchSpan = 4;

    private static readonly int s_outputBytes = CacheLines.InstanceBytes(typeof(RtmpSocketOutput));

    private void Complete(int slot)
    {
        _outputs[slot] = null;
        var handle = _handles[slot]!;
        _handles[slot] = null;
        handle.DangerousRelease();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Unmap(_entries, _entriesBytes);
        Unmap(_submissionRing, _submissionRingBytes);
        Close(_fd);
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
    }

    private static byte* Map(int fd, nuint bytes, long offset)
    {
        var address = MemoryMap(null, bytes, ProtReadWrite, MapSharedPopulate, fd, offset);
        if (address == (void*)-1)
        {
            throw new InvalidOperationException($"io_uring mmap failed ({Marshal.GetLastPInvokeError()})");
        }
        return (byte*)address;
    }

    private static void Unmap(void* address, nuint bytes)
    {
        if (bytes != 0)
        {
            MemoryUnmap(address, bytes);
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* MemoryMap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int MemoryUnmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>struct io_uring_sqe (64 bytes), the fields a sendmsg uses.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Sqe
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(16)] public ulong Address;
        [FieldOffset(24)] public uint Length;
        [FieldOffset(28)] public int OperationFlags;
        [FieldOffset(32)] public ulong UserData;
    }

    /// <summary>struct io_uring_cqe (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Cqe
    {
        public ulong UserData;
        public int Result;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SubmissionOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Reserved1;
        public ulong UserAddress;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CompletionOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Reserved1;
        public ulong UserAddress;
    }

    /// <summary>struct io_uring_params (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Parameters
    {
        public uint SubmissionEntries;
        public uint CompletionEntries;
        public uint Flags;
        public uint SqThreadCpu;
        public uint SqThreadIdle;
        public uint Features;
        public uint WqFd;
        public uint Reserved0, Reserved1, Reserved2;
        public SubmissionOffsets SubmissionOffsets;
        public CompletionOffsets CompletionOffsets;
    }
}
