using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace StreamHub.LoadTest;

/// <summary>Receives on a player's TCP socket with the kernel's receive timestamp (Linux <c>SO_TIMESTAMPNS</c>), so a
/// frame's latency ends when the server's send put it in the player's socket, not when the load generator, which
/// shares the cores with the server, got round to reading it. On loopback the timestamp is taken as the server's
/// <c>sendmsg</c> hands the segment to the receiving socket (<c>netif_rx</c> in the sender's own system call): the
/// figure is the server's arrival-to-send time, whatever the 500 receiving sockets' threads are doing.
/// <para>The kernel stamps with CLOCK_REALTIME; latencies are taken on <see cref="Stopwatch"/> (CLOCK_MONOTONIC), so
/// the offset between the two clocks is read from the closest of several paired readings, at start-up and again before
/// each window (<see cref="Recalibrate"/>): the host may step the wall clock, and the kernel's stamps follow it.</para></summary>
public static unsafe class KernelReceiveClock
{
    private const int SolSocket = 1;
    private const int SoTimestampNs = 35; // SO_TIMESTAMPNS_OLD: the control message carries a struct timespec
    private const int MsgDontWait = 0x40;
    private const int EAgain = 11;
    private const int ClockRealtime = 0;
    private const int ClockMonotonic = 1;

    /// <summary>CLOCK_REALTIME − CLOCK_MONOTONIC, in nanoseconds.</summary>
    private static long s_realtimeOffsetNs = MeasureOffset();

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Vectors;
        public nuint VectorCount;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(nint socket, MessageHeader* message, int flags);

    [DllImport("libc")]
    private static extern int clock_gettime(int clock, TimeSpec* time);

    /// <summary>Asks the kernel to stamp what this socket receives.</summary>
    public static void Enable(Socket socket) =>
        socket.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));

    /// <summary>One non-blocking receive into <paramref name="buffer"/>: the bytes read (0: the peer closed), or −1 when
    /// nothing was waiting. <paramref name="stampedAt"/> is the kernel's timestamp of the last segment read, as a
    /// <see cref="Stopwatch"/> timestamp, or 0 when the kernel gave none.</summary>
    public static int Receive(Socket socket, Span<byte> buffer, out long stampedAt)
    {
        stampedAt = 0;
        const int ControlSize = 64;
        var control = stackalloc byte[ControlSize];
        fixed (byte* data = buffer)
        {
            var vector = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var header = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlSize };
            var read = recvmsg(socket.Handle, &header, MsgDontWait);
            if (read < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                return error == EAgain ? -1 : throw new SocketException(error);
            }
            // cmsghdr: length (size_t), level (int), type (int), then the data (a struct timespec here).
            for (var at = 0; at + 16 + sizeof(TimeSpec) <= (int)header.ControlLength;)
            {
                var length = (int)*(nuint*)(control + at);
                if (length < 16)
                {
                    break;
                }
                if (*(int*)(control + at + 8) == SolSocket && *(int*)(control + at + 12) == SoTimestampNs)
                {
                    var time = (TimeSpec*)(control + at + 16);
                    stampedAt = ToStopwatch(time->Seconds * 1_000_000_000 + time->Nanoseconds);
                    break;
                }
                at += (length + 7) & ~7;
            }
            return (int)read;
        }
    }

    /// <summary>Reads the offset between the clocks again, as a window opens.</summary>
    public static void Recalibrate() => Volatile.Write(ref s_realtimeOffsetNs, MeasureOffset());

    /// <summary>How far the wall clock has moved against the monotonic one since the last reading, in ms: a step inside
    /// a window shifts every socket latency taken in it by as much.</summary>
    public static double DriftMs() => (MeasureOffset() - Volatile.Read(ref s_realtimeOffsetNs)) / 1e6;

    private static long ToStopwatch(long realtimeNs)
    {
        var monotonicNs = realtimeNs - Volatile.Read(ref s_realtimeOffsetNs);
        return Stopwatch.Frequency == 1_000_000_000 ? monotonicNs : (long)(monotonicNs * (Stopwatch.Frequency / 1e9));
    }

    private static long MeasureOffset()
    {
        var best = long.MaxValue;
        long offset = 0;
        for (var i = 0; i < 100; i++)
        {
            TimeSpec before, real, after;
            clock_gettime(ClockMonotonic, &before);
            clock_gettime(ClockRealtime, &real);
            clock_gettime(ClockMonotonic, &after);
            var gap = Ns(after) - Ns(before);
            if (gap < best)
            {
                best = gap;
                offset = Ns(real) - (Ns(before) + gap / 2);
            }
        }
        return offset;

        static long Ns(TimeSpec t) => t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }
}
