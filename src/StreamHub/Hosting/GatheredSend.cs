using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StreamHub.Hosting;

/// <summary>A non-blocking gathered send (sendmsg) of a list of buffers in pinned memory, straight to libc on Linux.
/// The runtime's <see cref="Socket.Send(IList{ArraySegment{byte}}, SocketFlags, out SocketError)"/> does the same
/// call, but first pins every buffer with a <see cref="GCHandle"/> (allocated and freed in the handle table per buffer
/// per send), and at hundreds of players per frame that bookkeeping costs about what the call does. Here the caller
/// vouches that the arrays cannot move (<see cref="StreamHub.Media.PinnedBufferPool"/>), and the iovecs live on the
/// stack.</summary>
internal static unsafe partial class GatheredSend
{
    /// <summary>Whether the direct send is available (Linux x64 or arm64: the msghdr layout below is LP64 Linux's).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && IntPtr.Size == 8;

    /// <summary>Buffers one direct send takes at most (the rest of a longer list goes through the runtime's send).</summary>
    public const int MaxBuffers = 512;

    /// <summary>MSG_DONTWAIT | MSG_NOSIGNAL: never block, and a broken connection is an error, not a SIGPIPE.</summary>
    internal const int Flags = 0x40 | 0x4000;

    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EPipe = 32;
    private const int EConnReset = 104;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMessage(int socket, MessageHeader* message, int flags);

    /// <summary>Sends as much of <paramref name="buffers"/> as the socket's buffer takes now, without blocking; every
    /// array must be pinned. Returns the bytes sent; <paramref name="error"/> is <see cref="SocketError.WouldBlock"/>
    /// when the socket took nothing, and the failure when the connection broke. The handle is held for the call, so
    /// a socket closed meanwhile cannot have its descriptor reused under it.</summary>
    /// <exception cref="ObjectDisposedException">The socket was closed before the call.</exception>
    public static int Send(SafeHandle socket, List<ArraySegment<byte>> buffers, out SocketError error)
    {
        var count = buffers.Count;
        var vectors = stackalloc IoVector[count];
        Describe(buffers, vectors);
        var message = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            var fd = (int)socket.DangerousGetHandle();
            while (true)
            {
                var sent = SendMessage(fd, &message, Flags);
                if (sent >= 0)
                {
                    error = SocketError.Success;
                    return (int)sent;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr)
                {
                    continue;
                }
                error = ErrorOf(errno);
                return 0;
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Writes a vector for each of <paramref name="buffers"/> (pinned arrays) into <paramref name="vectors"/>.</summary>
    internal static void Describe(List<ArraySegment<byte>> buffers, IoVector* vectors)
    {
        var segments = CollectionsMarshal.AsSpan(buffers);
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            vectors[i].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(segment.Array!)) + segment.Offset;
            vectors[i].Length = (nuint)segment.Count;
        }
    }

    /// <summary>What a send's errno means to the socket's caller.</summary>
    internal static SocketError ErrorOf(int errno) => errno switch
    {
        EAgain => SocketError.WouldBlock,
        EPipe => SocketError.Shutdown,
        EConnReset => SocketError.ConnectionReset,
        _ => SocketError.SocketError,
    };
}
